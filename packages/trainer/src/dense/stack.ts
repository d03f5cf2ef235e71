import type { Targets } from '../losses.js';
import type { MatmulWorkers, SharedArena } from '../simd/threads.js';
import type { Activation, Dtype, FloatArray, LossKind } from '../types.js';

/**
 * Which matrix kernels a model's passes use: `'simd'` (WebAssembly SIMD),
 * `'scalar'` (the TypeScript loops of `matmulTransposed`), or `'auto'` (SIMD
 * where the engine has it, else scalar). float64 computes the same bits
 * either way; in float32 the SIMD kernels sum products in float32, as a
 * float32 BLAS does, where the scalar loops sum them in float64 and round
 * once, so the two differ in the last bits.
 */
export type MatmulKernelChoice = 'auto' | 'simd' | 'scalar';

/** The kernel choices, for validation and for iterating in tests. */
export const MATMUL_KERNEL_CHOICES: readonly MatmulKernelChoice[] = Object.freeze(['auto', 'simd', 'scalar'] as const);

/**
 * The parameters, gradients and passes of a stack of dense layers: what a
 * `Mlp` runs on. One implementation per kernel. @internal
 */
export interface DenseStack {
  /** The kernels it runs. */
  readonly kernel: 'simd' | 'scalar';
  /** Per layer: W [out, in], b [out], and their gradients. */
  readonly weights: readonly FloatArray[];
  readonly biases: readonly FloatArray[];
  readonly gradWeights: readonly FloatArray[];
  readonly gradBiases: readonly FloatArray[];
  /** The outputs of `rows` rows of `x`, in a buffer of the stack kept per batch size. */
  forward(x: FloatArray, rows: number): FloatArray;
  /** The loss of the batch (float64, not rounded), with every gradient written. */
  lossAndGradients(x: FloatArray, targets: Targets, rows: number, kind: LossKind): number;
  /** Where AdamW states beside the parameters can be made (SIMD only; see `Mlp.takeMomentsArena`). */
  takeMomentsArena?(): MomentsArena | undefined;
}

/** Makes AdamW states (without AMSGrad) whose moments live beside a model's parameters. @internal */
export type MomentsArena = Pick<SharedArena, 'initAdamW'>;

/** The architecture a stack is built for. @internal */
export interface StackShape {
  layers: readonly number[];
  activation: Activation;
  dtype: Dtype;
  /** Worker threads that share the products (SIMD only). */
  workers?: MatmulWorkers;
}

/** Buffers kept per batch size; a training run uses two (the batch size and the last partial batch). */
const MAX_BATCH_SIZES = 4;

/**
 * Values made once per batch size and kept for the next call with that
 * size, at most four of them (the oldest goes first). @internal
 */
export class PerBatchSize<T> {
  private readonly cache = new Map<number, T>();

  constructor(private readonly make: (rows: number) => T) {}

  get(rows: number): T {
    let value = this.cache.get(rows);
    if (value === undefined) {
      if (this.cache.size >= MAX_BATCH_SIZES) this.cache.delete(this.cache.keys().next().value!);
      value = this.make(rows);
      this.cache.set(rows, value);
    }
    return value;
  }
}
