import type { NamedTensor } from './gradients.js';

/**
 * Throws a TypeError when saved weights hold a state for a variable named
 * `__proto__`: no tfjs variable can have that name (the engine files
 * variables in a plain object, where that key sets the prototype), so such
 * weights were crafted.
 */
export function checkStateNames(weights: readonly NamedTensor[]): void {
  for (const w of weights) {
    const name = typeof w?.name === 'string' ? w.name : '';
    if (name.slice(0, name.lastIndexOf('/')) === '__proto__') {
      throw new TypeError(`AdamW weights hold a state for a variable named '__proto__', which no tfjs variable can be ('${name}')`);
    }
  }
}

/**
 * Throws a RangeError naming the first negative value of a restored second
 * moment (`v`, `vMax`): an average of squares is never negative, and a
 * negative one would make √v NaN at the next update.
 */
export function checkSecondMoments(variable: string, moments: Readonly<Record<string, Float32Array>>): void {
  for (const field of ['v', 'vMax']) {
    const values = moments[field];
    if (values === undefined) continue;
    for (let i = 0; i < values.length; i++) {
      if (values[i]! < 0) {
        throw new RangeError(`AdamW weight '${variable}/${field}' holds ${values[i]} at index ${i}; a second moment is never negative`);
      }
    }
  }
}
