import type { NamePattern } from './named.js';

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'object') return 'object';
  return `${typeof value} (${String(value)})`;
}

/**
 * The patterns as a list, each checked: a string, a RegExp or a function of
 * the name. Anything else gets a TypeError that names it (a number would
 * otherwise fail deep inside the first match as "p is not a function").
 */
export function namePatternList(patterns: unknown): readonly NamePattern[] {
  const list: readonly unknown[] = Array.isArray(patterns) ? patterns : [patterns];
  for (let i = 0; i < list.length; i++) {
    const p = list[i];
    if (typeof p !== 'string' && !(p instanceof RegExp) && typeof p !== 'function') {
      const which = Array.isArray(patterns) ? `pattern ${i}` : 'pattern';
      throw new TypeError(`${which} must be a string, a RegExp or a function (name) => boolean, got ${describe(p)}`);
    }
  }
  return list as readonly NamePattern[];
}
