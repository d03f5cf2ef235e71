import { checkNamePatterns, matchesAny, type NamePattern } from '@adamw/core';
import { decodeModel } from '../proto/codec.js';
import { floatInitializerTensors } from './initializers.js';

/**
 * The initializer names that `trainable` selects, in the model's order: the
 * FLOAT and DOUBLE initializers whose names match any of the patterns
 * (`@adamw/core`'s {@link NamePattern}: a substring, a RegExp or a
 * predicate). Undefined when `trainable` is: the builder then trains every
 * float initializer the loss depends on.
 *
 * Throws, naming it, for a pattern that matches no float initializer (a
 * misspelt name would otherwise freeze everything it meant to train), and
 * for a list that is empty.
 */
export function resolveTrainable(model: Uint8Array, trainable: NamePattern | readonly NamePattern[] | undefined): string[] | undefined {
  if (trainable === undefined) return undefined;
  const patterns = checkNamePatterns(trainable, 'options.trainable');
  if (patterns.length === 0) throw new Error('options.trainable is empty; give at least one name or pattern');
  const names = floatInitializerTensors(decodeModel(model)).map((t) => t.name!);
  for (const p of patterns) {
    if (!names.some((n) => matchesAny(n, p))) {
      const shown = typeof p === 'string' ? `'${p}'` : p instanceof RegExp ? String(p) : `predicate ${p.name || '(anonymous)'}`;
      throw new Error(`trainable ${shown} matches no FLOAT or DOUBLE initializer of the model; they are: ${names.join(', ') || 'none'}`);
    }
  }
  return names.filter((n) => matchesAny(n, patterns));
}
