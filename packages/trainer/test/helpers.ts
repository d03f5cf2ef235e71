import { seededValues } from '@adamw/test-utils/random';
import { readFileSync } from 'node:fs';
import { Mlp, type Activation, type Dtype } from '../src/index.js';

/** Deterministic pseudo-random numbers in [-scale, scale) for test data. */
export function rand(n: number, seed: number, scale = 1): Float64Array {
  return seededValues(n, seed >>> 0 || 1, scale);
}

/** Integer labels in [0, classes). */
export function labels(n: number, classes: number, seed: number): Int32Array {
  return Int32Array.from(rand(n, seed), (v) => Math.floor(((v + 1) / 2) * classes) % classes);
}

/** A toy classification set: the class is which of `classes` directions the input points to most. */
export function blobs(rows: number, inSize: number, classes: number, seed: number): { x: Float64Array; y: Int32Array } {
  const x = rand(rows * inSize, seed, 0.3);
  const y = labels(rows, classes, seed + 1);
  for (let r = 0; r < rows; r++) x[r * inSize + (y[r]! % inSize)]! += 1.5;
  return { x, y };
}

export function model(layers: number[], activation: Activation = 'tanh', dtype: Dtype = 'float64', seed = 1): Mlp {
  return new Mlp({ layers, activation, dtype }, { seed });
}

export function readJson<T>(relative: string): T {
  return JSON.parse(readFileSync(new URL(relative, import.meta.url), 'utf8')) as T;
}

/** Bitwise-equal copies of a parameter record, as plain arrays for toEqual. */
export function snapshot(record: Readonly<Record<string, Float32Array | Float64Array>>): Record<string, number[]> {
  return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, Array.from(v)]));
}
