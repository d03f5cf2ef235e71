import { seededValues } from '@adamw/test-utils/random';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
// tfjs-layers registers the gradient of every tfjs-core op (minimize needs them).
import '@tensorflow/tfjs-layers';
import type { AdamWOptimizer } from '../src/index.js';

// Keeps the backends' one-time "use tfjs-node" notice out of the test output.
tf.env().set('PROD', true);

/** Switches the global tfjs engine to a backend and waits until it is ready. */
export async function useBackend(name: 'cpu' | 'wasm'): Promise<void> {
  if (!(await tf.setBackend(name))) throw new Error(`backend ${name} did not initialise`);
  await tf.ready();
}

/** Deterministic pseudo-random float32 values in [-scale, scale). */
export function randomValues(n: number, seed: number, scale = 1): Float32Array {
  return seededValues(n, seed, scale, Float32Array);
}

let counter = 0;
/** A name no other test uses (variable names are global to the engine). */
export function uniqueName(prefix: string): string {
  counter++;
  return `${prefix}${counter}`;
}

/** A copy of a tensor's values. */
export function valuesOf(t: tf.Tensor): Float32Array {
  return Float32Array.from(t.dataSync() as Float32Array);
}

/** The optimizer's weights as plain copies, by name. */
export async function weightsOf(optimizer: AdamWOptimizer): Promise<Record<string, number[]>> {
  const out: Record<string, number[]> = {};
  for (const w of await optimizer.getWeights()) out[w.name] = Array.from(await w.tensor.data());
  return out;
}

/**
 * The largest |a − b| / max(|b|, floor): relative above the floor, absolute
 * (scaled by 1/floor) below it.
 */
export function maxRelDeviation(a: ArrayLike<number>, b: ArrayLike<number>, floor = 1e-3): number {
  if (a.length !== b.length) return Infinity;
  let worst = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i]! - b[i]!) / Math.max(Math.abs(b[i]!), floor);
    if (!(d <= worst)) worst = d;
  }
  return worst;
}

/**
 * max |a − b| over max |b|: the deviation measured against the array's own
 * scale, so that values crossing zero do not count as large relative errors.
 */
export function scaledDeviation(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i]! - b[i]!);
    if (!(d <= diff)) diff = d;
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  return scale === 0 ? diff : diff / scale;
}

/** An IOHandler that keeps the artifacts in memory, with access to what was saved. */
export function memoryHandler() {
  let saved: tf.io.ModelArtifacts | undefined;
  const handler: tf.io.IOHandler = {
    save: async (artifacts) => {
      saved = artifacts;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    },
    load: async () => {
      if (saved === undefined) throw new Error('nothing saved');
      return saved;
    },
  };
  return {
    handler,
    artifacts: () => saved!,
    /** Replaces what was saved, for tests that damage a checkpoint. */
    replace: (artifacts: tf.io.ModelArtifacts) => {
      saved = artifacts;
    },
  };
}
