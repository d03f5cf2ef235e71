import { applyAdamWStep, checkAdamWStep, initAdamW } from './adamw/step.js';
import type { ResolvedAdamWOptions } from './adamw/options.js';
import type { AdamWOptions, AdamWState, FloatArray } from './types.js';
import { namePatternList } from './patterns.js';

/** A parameter name pattern: a substring, a regular expression or a predicate. */
export type NamePattern = string | RegExp | ((name: string) => boolean);

/** Options that apply to the parameters whose names match. */
export interface ParamRule {
  /** Which names the rule applies to (any of them, when a list). */
  match: NamePattern | readonly NamePattern[];
  /** Options merged over the base options for those names. */
  options: AdamWOptions;
}

/**
 * Names that conventionally get no weight decay: biases and the weights of
 * normalisation layers (`bias`, `*.norm.weight`, `LayerNorm`, `gamma`/`beta`
 * of batch normalisation), as in torch, tfjs and Keras naming.
 */
export const DEFAULT_NO_DECAY: readonly RegExp[] = Object.freeze([
  /(^|[./_])bias(:\d+)?$/i,
  /norm/i,
  /(^|[./_])(gamma|beta)(:\d+)?$/i,
]);

/** True when `name` matches any of the patterns. */
export function matchesAny(name: string, patterns: NamePattern | readonly NamePattern[]): boolean {
  const list = namePatternList(patterns);
  return list.some((p) => (typeof p === 'string' ? name.includes(p) : p instanceof RegExp ? new RegExp(p.source, p.flags.replace('g', '')).test(name) : p(name)));
}

/** A rule that turns weight decay off for the names matching `patterns` (biases and norms by default). */
export function noDecayRule(patterns: NamePattern | readonly NamePattern[] = DEFAULT_NO_DECAY): ParamRule {
  namePatternList(patterns);
  return { match: patterns, options: { weightDecay: 0 } };
}

/** The options for one name: the base options with every matching rule merged over them, in order. */
export function optionsFor(name: string, options: AdamWOptions = {}, rules: readonly ParamRule[] = []): AdamWOptions {
  let merged = options;
  for (const rule of rules) {
    if (matchesAny(name, rule.match)) merged = { ...merged, ...rule.options };
  }
  return merged;
}

/** A fresh state per name. */
export function initAdamWNamed<T extends FloatArray>(
  params: Readonly<Record<string, T>>,
  options: AdamWOptions = {},
  rules: readonly ParamRule[] = [],
): Record<string, AdamWState<T>> {
  const states: Record<string, AdamWState<T>> = {};
  for (const [name, p] of Object.entries(params)) states[name] = initAdamW(p, optionsFor(name, options, rules));
  return states;
}

/**
 * One AdamW step over a model's named arrays, in place, with per-name
 * overrides (for example {@link noDecayRule} for biases and norms).
 * Every name is checked before any is written; with `nonFinite: 'skip'` a
 * NaN/Infinity in any gradient skips the whole step for every name, and with
 * `'throw'` nothing changes.
 *
 * @example
 * ```ts
 * const states = initAdamWNamed(params);
 * adamwStepNamed(params, grads, states, { lr: 1e-3, weightDecay: 0.1 }, [noDecayRule()]);
 * ```
 */
export function adamwStepNamed<T extends FloatArray>(
  params: Readonly<Record<string, T>>,
  grads: Readonly<Record<string, T>>,
  states: Record<string, AdamWState<T>>,
  options: AdamWOptions = {},
  rules: readonly ParamRule[] = [],
): void {
  const names = Object.keys(params);
  for (const name of Object.keys(grads)) {
    if (!(name in params)) throw new RangeError(`grads has '${name}', which is not a parameter; parameters: ${names.join(', ')}`);
  }
  const checked: [string, ResolvedAdamWOptions][] = [];
  let skip = false;
  for (const name of names) {
    const g = grads[name];
    const s = states[name];
    if (g === undefined) throw new RangeError(`grads has no entry for parameter '${name}'`);
    if (s === undefined) throw new RangeError(`states has no entry for parameter '${name}'`);
    const o = withName(name, () => checkAdamWStep(params[name]!, g, s, optionsFor(name, options, rules)));
    if (o === undefined) skip = true;
    else checked.push([name, o]);
  }
  if (skip) return;
  for (const [name, o] of checked) applyAdamWStep(o, params[name]!, grads[name]!, states[name]!);
}

function withName<R>(name: string, f: () => R): R {
  try {
    return f();
  } catch (e) {
    if (e instanceof Error) e.message = `parameter '${name}': ${e.message}`;
    throw e;
  }
}
