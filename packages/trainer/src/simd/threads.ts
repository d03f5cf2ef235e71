import type { AdamWState, FloatArray } from '@adamw/core';
import type { Dtype } from '../types.js';

/**
 * The shared memory that models on worker threads allocate in: core's
 * parallel AdamW pool (`createParallelAdamW` of `@adamw/core/parallel`),
 * whose memory grows without detaching arrays and whose arrays core's AdamW
 * step updates in place.
 */
export interface SharedArena {
  readonly memory: WebAssembly.Memory;
  float32(length: number): Float32Array;
  float64(length: number): Float64Array;
  initAdamW<T extends FloatArray>(params: T): AdamWState<T>;
}

/**
 * Worker threads that share the matrix products of models: pass it as
 * `workers` in a model's config. Made by `createMatmulWorkers` of
 * `@adamw/trainer/node` (worker_threads over a SharedArrayBuffer-backed
 * WebAssembly memory); the main entry only knows this interface, so it stays
 * free of Node modules. One set of workers serves any number of models, one
 * product at a time.
 */
export interface MatmulWorkers {
  /** Worker threads; the calling thread computes a share of each product too. */
  readonly workers: number;
  /** The shared memory the models of these workers live in. @internal */
  readonly arena: SharedArena;
  /** The kernels' module built for a shared memory. @internal */
  module(dtype: Dtype): WebAssembly.Module;
  /** The job block the caller fills before {@link MatmulWorkers.run} (layout {@link JOB}). @internal */
  readonly job: Int32Array;
  /** Wakes every worker on the job, runs `own` here, and returns when all are done. @internal */
  run(own: () => void): void;
  /** Stops the threads; products of their models run on the calling thread alone afterwards. */
  close(): Promise<void>;
  /** Whether {@link MatmulWorkers.close} has been called. */
  readonly closed: boolean;
}

/**
 * Fields of a product job: the operands (byte addresses and strides), then
 * per worker its columns and its packing buffers. Products split the columns
 * of C into whole panels, so that every thread adds the same products in the
 * same order as one thread would: the bits do not depend on the thread count.
 * @internal
 */
export const JOB = {
  float32: 0,
  c: 1,
  ldc: 2,
  a: 3,
  sam: 4,
  sak: 5,
  b: 6,
  ldb: 7,
  trans: 8,
  M: 9,
  K: 10,
  accumulate: 11,
  /** Per worker w, at perWorker + PER_WORKER·w: n0, n1, packA, packB, scratch. */
  perWorker: 12,
} as const;

/** Fields per worker in a job. @internal */
export const PER_WORKER = 5;
