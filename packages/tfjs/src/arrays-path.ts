import { adamwStepInPlace, clipByGlobalNormInPlace, firstNonFinite as firstNonFiniteIndex, type AdamWState, type ResolvedAdamWOptions } from '@adamw/core';
import * as tf from '@tensorflow/tfjs-core';
import type { GradientEntry } from './gradients.js';
import type { SlotState } from './state.js';

/** A tensor's values on the host, and whether this array may be written. */
export interface HostValues {
  data: Float32Array;
  /** True when `data` is a private copy; false when it is the backend's own memory (or a cache of it). */
  writable: boolean;
}

/**
 * Reads a tensor's values with as few copies as the backend allows. The cpu
 * backend's `dataSync` returns the array that holds the tensor (shared by
 * every tensor with the same data), and webgl's returns a cache it keeps:
 * neither may be written. wasm's returns a fresh copy.
 */
export function readValues(t: tf.Tensor): HostValues {
  const data = t.dataSync() as Float32Array;
  return { data, writable: tf.getBackend() === 'wasm' };
}

/**
 * The arrays this module made for variables' new values. The cpu backend
 * keeps the very array a tensor was made from, so a variable made from the
 * caller's Float32Array holds that array: only arrays made here may be
 * written in place.
 */
const madeHere = new WeakSet<Float32Array>();

/**
 * The cpu backend's own array of `variable` when it may be updated in place:
 * an array this module made (never one the caller passed to `tf.tensor`), no
 * other tensor counts a reference to its data (a `clone()` would otherwise
 * change with it) and the array is not a view into a larger buffer.
 * Otherwise undefined; the first update of a variable therefore writes a new
 * array, which later updates may reuse.
 */
function ownArray(variable: tf.Variable): Float32Array | undefined {
  if (tf.getBackend() !== 'cpu') return undefined;
  const backend = tf.backend() as tf.KernelBackend & { refCount?: (dataId: object) => number };
  if (typeof backend.refCount !== 'function' || backend.refCount(variable.dataId) !== 1) return undefined;
  const data = variable.dataSync() as Float32Array;
  return madeHere.has(data) && data.byteOffset === 0 && data.byteLength === data.buffer.byteLength ? data : undefined;
}

/** Index and variable of the first NaN or ±Infinity among the gradients, or undefined. */
export function firstNonFinite(entries: readonly GradientEntry[], grads: readonly HostValues[]): { name: string; index: number; value: number } | undefined {
  for (let k = 0; k < grads.length; k++) {
    const g = grads[k]!.data;
    const i = firstNonFiniteIndex(g);
    if (i >= 0) return { name: entries[k]!.name, index: i, value: g[i]! };
  }
  return undefined;
}

/**
 * One AdamW update on the host: clip the gradients (on copies) when asked,
 * then run `@adamw/core`'s `adamwStepInPlace` on each variable's values with
 * its moments, and write the values back. With `inPlace`, a cpu-backend
 * variable that owns its array alone is updated in that array and nothing
 * is copied or written. Every check has passed before this runs.
 */
export function updateOnHost(
  entries: readonly GradientEntry[],
  grads: HostValues[],
  states: readonly SlotState[],
  options: readonly ResolvedAdamWOptions[],
  clipGlobalNorm: number | undefined,
  inPlace: boolean,
): void {
  if (clipGlobalNorm !== undefined) {
    const copies = grads.map((g) => (g.writable ? g.data : g.data.slice()));
    clipByGlobalNormInPlace(copies, clipGlobalNorm);
    grads = copies.map((data) => ({ data, writable: true }));
  }
  const owned = entries.map((e) => (inPlace ? ownArray(e.variable) : undefined));
  // A gradient sharing memory with a variable updated in place would change under the step:
  // copy it before any variable is written.
  const ownedBuffers = new Set(owned.map((a) => a?.buffer));
  const gradArrays = grads.map((g) => (!g.writable && ownedBuffers.has(g.data.buffer) ? g.data.slice() : g.data));
  for (let k = 0; k < entries.length; k++) {
    const { variable } = entries[k]!;
    const state = states[k]!;
    const host = state.host!;
    const own = owned[k];
    let params: Float32Array;
    if (own !== undefined) params = own;
    else {
      const read = readValues(variable);
      params = read.writable ? read.data : read.data.slice();
    }
    const g = gradArrays[k]!;
    const coreState: AdamWState<Float32Array> = { step: state.step, m: host.m, v: host.v };
    if (host.vMax !== undefined) coreState.vMax = host.vMax;
    adamwStepInPlace(params, g, coreState, options[k]!);
    state.step = coreState.step;
    if (own === undefined) {
      tf.tidy(() => variable.assign(tf.tensor(params, variable.shape, 'float32')));
      madeHere.add(params);
    }
  }
}
