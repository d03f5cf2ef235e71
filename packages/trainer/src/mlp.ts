import { checkFloatArray, checkInteger, describe, isNumberArray } from './check.js';
import { ReferenceStack } from './dense/reference.js';
import { SimdStack } from './dense/simd.js';
import { MATMUL_KERNEL_CHOICES, type DenseStack, type MatmulKernelChoice, type MomentsArena } from './dense/stack.js';
import { checkLayerSizes } from './guards.js';
import { computeLoss, countCorrect, type Targets } from './losses.js';
import { Prng } from './prng.js';
import { isMatmulSimdAvailable } from './simd/kernels.js';
import type { MatmulWorkers } from './simd/threads.js';
import { ACTIVATIONS, LOSSES, arrayTypeOf, type Activation, type Dtype, type FloatArray, type LossKind } from './types.js';

/** The architecture of a {@link Mlp}. */
export interface MlpConfig {
  /** Layer widths `[in, ...hidden, out]`: one dense layer per consecutive pair (at least two entries). */
  layers: readonly number[];
  /** The activation after every layer but the last. Default `'relu'`. */
  activation?: Activation;
  /** Element type of parameters, activations and gradients. Default `'float32'`. */
  dtype?: Dtype;
  /**
   * The matrix kernels: `'auto'` (default) runs the WebAssembly SIMD kernels
   * where the engine has them and the TypeScript loops elsewhere; `'simd'`
   * insists on SIMD (an Error where it is missing), `'scalar'` takes the
   * TypeScript loops. See {@link MatmulKernelChoice} for how their results differ.
   */
  kernel?: MatmulKernelChoice;
  /**
   * Worker threads that share the matrix products (SIMD kernel only), from
   * `createMatmulWorkers` of `@adamw/trainer/node`. The parameters then live
   * in the workers' shared memory. The results are the same bits as on one
   * thread. Default: the calling thread alone.
   */
  workers?: MatmulWorkers;
}

/** How to fill a new {@link Mlp}'s parameters. */
export interface MlpInit {
  /**
   * Seed of torch's default initialisation of `nn.Linear`: every weight and
   * bias of layer i drawn uniformly from [−1/√inᵢ, 1/√inᵢ]. Default `0`.
   */
  seed?: number;
  /** Initial values by name instead (`lins.<i>.weight` [out, in] row-major, `lins.<i>.bias` [out]); every name required. */
  params?: Readonly<Record<string, ArrayLike<number>>>;
}

/**
 * A multilayer perceptron over typed arrays with manual backpropagation:
 * dense layers y = x·Wᵀ + b with W of shape [out, in] (row-major, as torch's
 * `nn.Linear`), the activation between them, none after the last.
 * Parameters are named `lins.<i>.weight` and `lins.<i>.bias`, as the
 * `state_dict` of a torch module holding an `nn.ModuleList` called `lins`.
 *
 * Batches are row-major `[rows, in]` arrays of the model's dtype. The
 * matrix products run on WebAssembly SIMD kernels where the engine has them
 * (then parameters, gradients and activations live in a WebAssembly memory
 * of the model's own, whose size never changes), on TypeScript loops
 * elsewhere; buffers are allocated once and reused.
 *
 * @example
 * ```ts
 * const model = new Mlp({ layers: [784, 128, 10], activation: 'relu' }, { seed: 1 });
 * const loss = model.lossAndGradients(x, labels, 64, 'softmax-cross-entropy');
 * // model.grads['lins.0.weight'] now holds dL/dW of the first layer
 * ```
 */
export class Mlp {
  /** Layer widths `[in, ...hidden, out]`. */
  readonly layers: readonly number[];
  /** The activation between layers. */
  readonly activation: Activation;
  /** Element type of parameters, activations and gradients. */
  readonly dtype: Dtype;
  /** Parameters by name, in torch's order (`lins.0.weight`, `lins.0.bias`, `lins.1.weight`, …). */
  readonly params: Readonly<Record<string, FloatArray>>;
  /** Gradients of the last {@link Mlp.lossAndGradients} call, by the same names. */
  readonly grads: Readonly<Record<string, FloatArray>>;
  /** The matrix kernels the passes run: `'simd'` or `'scalar'` (what `config.kernel` chose). */
  readonly kernel: 'simd' | 'scalar';
  private readonly stack: DenseStack;

  /**
   * A new model: parameters drawn with `init.seed` as torch's `nn.Linear`
   * does, or copied from `init.params`. Throws on a bad architecture.
   */
  constructor(config: MlpConfig, init: MlpInit = {}) {
    if (config === null || typeof config !== 'object') throw new TypeError(`config must be an object, got ${describe(config)}`);
    const { layers, activation = 'relu', dtype = 'float32', kernel = 'auto', workers } = config;
    if (!Array.isArray(layers) || layers.length < 2) {
      throw new RangeError(`layers must be an array [in, ...hidden, out] with at least two widths, got ${JSON.stringify(layers)}`);
    }
    layers.forEach((w, i) => checkInteger(w, `layers[${i}]`, 1));
    checkLayerSizes(layers);
    if (!ACTIVATIONS.includes(activation)) {
      throw new RangeError(`unknown activation ${describe(activation)}; expected one of ${ACTIVATIONS.join(', ')}`);
    }
    if (dtype !== 'float32' && dtype !== 'float64') throw new RangeError(`dtype must be 'float32' or 'float64', got ${describe(dtype)}`);
    if (!MATMUL_KERNEL_CHOICES.includes(kernel)) {
      throw new RangeError(`kernel must be one of ${MATMUL_KERNEL_CHOICES.map((c) => `'${c}'`).join(', ')}, got ${describe(kernel)}`);
    }
    if (kernel === 'simd' && !isMatmulSimdAvailable(dtype)) {
      throw new Error("kernel 'simd' was asked for but WebAssembly SIMD is not available in this JavaScript engine");
    }
    if (workers !== undefined) {
      if (workers === null || typeof workers !== 'object' || typeof (workers as MatmulWorkers).run !== 'function') {
        throw new TypeError(`workers must come from createMatmulWorkers of @adamw/trainer/node, got ${describe(workers)}`);
      }
      if (kernel === 'scalar') throw new RangeError("workers share the SIMD kernels' products; kernel 'scalar' runs on the calling thread");
      if (workers.closed) throw new Error('these matmul workers have been closed');
    }
    if (init === null || typeof init !== 'object') throw new TypeError(`init must be an object, got ${describe(init)}`);
    this.layers = Object.freeze([...layers]);
    this.activation = activation;
    this.dtype = dtype;
    const shape = { layers: this.layers, activation, dtype, ...(workers === undefined ? {} : { workers }) };
    const simd = kernel === 'simd' || workers !== undefined || (kernel === 'auto' && isMatmulSimdAvailable(dtype));
    this.stack = simd ? simdOrReference(shape, kernel === 'auto' && workers === undefined) : new ReferenceStack(shape);
    this.kernel = this.stack.kernel;
    const params: Record<string, FloatArray> = {};
    const grads: Record<string, FloatArray> = {};
    for (let i = 0; i + 1 < layers.length; i++) {
      params[`lins.${i}.weight`] = this.stack.weights[i]!;
      params[`lins.${i}.bias`] = this.stack.biases[i]!;
      grads[`lins.${i}.weight`] = this.stack.gradWeights[i]!;
      grads[`lins.${i}.bias`] = this.stack.gradBiases[i]!;
    }
    this.params = Object.freeze(params);
    this.grads = Object.freeze(grads);
    if (init.params !== undefined) {
      this.setParams(init.params);
    } else {
      const rng = new Prng(init.seed ?? 0);
      for (let i = 0; i < this.depth; i++) {
        const bound = 1 / Math.sqrt(layers[i]!);
        for (const a of [this.stack.weights[i]!, this.stack.biases[i]!]) {
          for (let k = 0; k < a.length; k++) a[k] = (2 * rng.nextFloat() - 1) * bound;
        }
      }
    }
  }

  /** Width of the input. */
  get inputSize(): number {
    return this.layers[0]!;
  }

  /** Width of the output. */
  get outputSize(): number {
    return this.layers[this.layers.length - 1]!;
  }

  /** Number of dense layers. */
  get depth(): number {
    return this.layers.length - 1;
  }

  /** The total number of parameters. */
  get parameterCount(): number {
    return this.stack.weights.reduce((n, w, i) => n + w.length + this.stack.biases[i]!.length, 0);
  }

  /** The expected shape of each parameter, by name: `[out, in]` for weights, `[out]` for biases. */
  paramShapes(): Record<string, number[]> {
    const out: Record<string, number[]> = {};
    for (let i = 0; i < this.depth; i++) {
      out[`lins.${i}.weight`] = [this.layers[i + 1]!, this.layers[i]!];
      out[`lins.${i}.bias`] = [this.layers[i + 1]!];
    }
    return out;
  }

  /**
   * Copies values into the parameters. Every name must be present with the
   * right length and no other name may appear; everything is checked before
   * anything is written.
   */
  setParams(values: Readonly<Record<string, ArrayLike<number>>>): void {
    if (values === null || typeof values !== 'object') throw new TypeError(`params must be an object of arrays by name, got ${describe(values)}`);
    for (const name of Object.keys(values)) {
      if (!Object.hasOwn(this.params, name)) throw new RangeError(`unknown parameter '${name}'; this model has ${Object.keys(this.params).join(', ')}`);
    }
    for (const [name, p] of Object.entries(this.params)) {
      const v = values[name];
      if (v === undefined) throw new RangeError(`parameter '${name}' is missing`);
      if (!isNumberArray(v)) throw new TypeError(`parameter '${name}' must be an array of numbers, got ${describe(v)}`);
      if (v.length !== p.length)
        throw new RangeError(`parameter '${name}' has ${v.length} values, expected ${p.length} (shape [${this.paramShapes()[name]!.join(', ')}])`);
    }
    for (const [name, p] of Object.entries(this.params)) p.set(values[name]!);
  }

  /** A copy of every parameter, by name. */
  copyParams(): Record<string, FloatArray> {
    const out: Record<string, FloatArray> = {};
    for (const [name, p] of Object.entries(this.params)) out[name] = p.slice();
    return out;
  }

  /**
   * The outputs (logits for classification) of a batch `x` of `rows` rows.
   * The returned array is a buffer of the model, overwritten by the next
   * call with the same batch size; copy it to keep it (or use {@link Mlp.predict}).
   * With the scalar kernel the backward pass reads it, so a later
   * {@link Mlp.lossAndGradients} with the same batch size overwrites it too.
   */
  forward(x: FloatArray, rows: number): FloatArray {
    this.checkInput(x, rows);
    return this.forwardUnchecked(x, rows);
  }

  /** The outputs of a batch as a new array of `rows × out` values. */
  predict(x: FloatArray, rows: number): FloatArray {
    return this.forward(x, rows).slice();
  }

  /**
   * The loss of a batch without gradients. `targets` are class labels
   * (integers in [0, out)) for softmax cross-entropy or `rows × out` floats
   * for MSE.
   */
  loss(x: FloatArray, targets: ArrayLike<number>, rows: number, kind: LossKind): number {
    this.checkInput(x, rows);
    const t = this.checkTargets(targets, rows, kind);
    return this.roundLoss(computeLoss(kind, this.forwardUnchecked(x, rows), t, rows, this.outputSize));
  }

  /**
   * Forward pass, loss and backward pass on one batch: fills
   * {@link Mlp.grads} with dL/dθ and returns the loss (computed before any
   * parameter changes, rounded to the model's dtype).
   */
  lossAndGradients(x: FloatArray, targets: ArrayLike<number>, rows: number, kind: LossKind): number {
    this.checkInput(x, rows);
    const t = this.checkTargets(targets, rows, kind);
    return this.lossAndGradientsUnchecked(x, t, rows, kind);
  }

  /** Loss and number of correct argmax predictions of a labelled batch. @internal */
  evaluateUnchecked(x: FloatArray, targets: Targets, rows: number, kind: LossKind): { loss: number; correct: number } {
    const z = this.forwardUnchecked(x, rows);
    const loss = computeLoss(kind, z, targets, rows, this.outputSize);
    const correct = kind === 'softmax-cross-entropy' ? countCorrect(z, targets, rows, this.outputSize) : 0;
    return { loss, correct };
  }

  /**
   * The AdamW arena that holds the parameters, with room for two moments
   * each (SIMD kernel only), for the first optimizer that asks: AdamW states
   * made there let core's step run in place. Undefined afterwards and with
   * the scalar kernel. @internal
   */
  takeMomentsArena(): MomentsArena | undefined {
    return this.stack.takeMomentsArena?.();
  }

  /** {@link Mlp.lossAndGradients} without the checks, for callers that validated the whole data set once. @internal */
  lossAndGradientsUnchecked(x: FloatArray, targets: Targets, rows: number, kind: LossKind): number {
    return this.roundLoss(this.stack.lossAndGradients(x, targets, rows, kind));
  }

  /** The forward pass into a buffer of this batch size; returns the last layer's output. @internal */
  forwardUnchecked(x: FloatArray, rows: number): FloatArray {
    return this.stack.forward(x, rows);
  }

  /** Checks a batch of inputs: the model's array type and `rows × in` values. @internal */
  checkInput(x: unknown, rows: unknown, name = 'x'): void {
    checkInteger(rows, 'rows', 1);
    const arr = checkFloatArray(x, name);
    const Ctor = arrayTypeOf(this.dtype);
    if (!(arr instanceof Ctor)) throw new TypeError(`${name} is a ${arr.constructor.name} but the model's dtype is ${this.dtype} (${Ctor.name})`);
    const expected = (rows as number) * this.inputSize;
    if (arr.length !== expected) {
      throw new RangeError(`${name} has ${arr.length} values, expected rows × in = ${rows as number} × ${this.inputSize} = ${expected}`);
    }
  }

  /**
   * Checks targets for a batch of `rows` rows: integer labels in [0, out) for
   * softmax cross-entropy, `rows × out` finite-or-not floats for MSE. Returns
   * them as an array the loss can read. @internal
   */
  checkTargets(targets: unknown, rows: number, kind: LossKind, name = 'targets'): Targets {
    if (!LOSSES.includes(kind)) throw new RangeError(`unknown loss ${describe(kind)}; expected one of ${LOSSES.join(', ')}`);
    if (!isNumberArray(targets)) throw new TypeError(`${name} must be an array of numbers, got ${describe(targets)}`);
    if (kind === 'softmax-cross-entropy') {
      if (targets.length !== rows) throw new RangeError(`${name} has ${targets.length} labels, expected one per row (${rows})`);
      checkLabels(targets, this.outputSize, name);
      return targets instanceof Int32Array ? targets : Int32Array.from(targets);
    }
    const expected = rows * this.outputSize;
    if (targets.length !== expected) {
      throw new RangeError(`${name} has ${targets.length} values, expected rows × out = ${rows} × ${this.outputSize} = ${expected}`);
    }
    const Ctor = arrayTypeOf(this.dtype);
    return targets instanceof Ctor ? targets : Ctor.from(targets);
  }

  private roundLoss(loss: number): number {
    return this.dtype === 'float32' ? Math.fround(loss) : loss;
  }
}

/**
 * The SIMD stack, or with `fallBack` the reference stack when the SIMD one
 * does not fit in a WebAssembly memory (4 GiB in all).
 */
function simdOrReference(shape: ConstructorParameters<typeof SimdStack>[0], fallBack: boolean): DenseStack {
  try {
    return new SimdStack(shape);
  } catch (error) {
    if (fallBack && error instanceof RangeError) return new ReferenceStack(shape);
    throw error;
  }
}

/** Throws a RangeError naming the first label that is not an integer in [0, classes). */
export function checkLabels(labels: ArrayLike<number>, classes: number, name = 'labels'): void {
  for (let i = 0; i < labels.length; i++) {
    const c = labels[i]!;
    if (!Number.isInteger(c) || c < 0 || c >= classes) {
      throw new RangeError(`${name}[${i}] is ${c}, but labels must be integers in [0, ${classes}) for a model with ${classes} outputs`);
    }
  }
}
