import { activate, activationBackward } from '../activations.js';
import { matmulTransposed, sumRows, transpose } from '../gemm.js';
import { computeLoss, type Targets } from '../losses.js';
import { arrayTypeOf, type Activation, type FloatArray, type LossKind } from '../types.js';
import { PerBatchSize, type DenseStack, type StackShape } from './stack.js';

/** Buffers for one batch size. */
interface Workspace {
  rows: number;
  /** Per layer: x·Wᵀ + b, [rows, outᵢ]. */
  pre: FloatArray[];
  /** Per hidden layer: the activation of `pre`, [rows, outᵢ]. */
  post: FloatArray[];
  /** Backward buffers, created on the first backward pass with this batch size. */
  back?: {
    /** Per layer: dL/d(pre), [rows, outᵢ]. */
    delta: FloatArray[];
    /** Per layer: deltaᵀ, [outᵢ, rows]. */
    deltaT: FloatArray[];
    /** Per layer: the layer's input transposed, [inᵢ, rows]. */
    inputT: FloatArray[];
  };
}

/**
 * The passes of a dense stack on the TypeScript loops of `src/gemm.ts`: every
 * product is `matmulTransposed` (C = A·Bᵀ), with the operands transposed
 * first where the backward pass needs it. Ordinary typed arrays, buffers per
 * batch size. The readable reference of the SIMD stack. @internal
 */
export class ReferenceStack implements DenseStack {
  readonly kernel = 'scalar';
  readonly weights: FloatArray[] = [];
  readonly biases: FloatArray[] = [];
  readonly gradWeights: FloatArray[] = [];
  readonly gradBiases: FloatArray[] = [];
  private readonly layers: readonly number[];
  private readonly activation: Activation;
  private readonly Ctor: Float32ArrayConstructor | Float64ArrayConstructor;
  /** Per layer ≥ 1: Wᵀ [in, out], refreshed on each backward pass. */
  private readonly weightsT: FloatArray[] = [];
  private readonly workspaces: PerBatchSize<Workspace>;

  constructor({ layers, activation, dtype }: StackShape) {
    this.layers = layers;
    this.activation = activation;
    const Ctor = arrayTypeOf(dtype);
    this.Ctor = Ctor;
    for (let i = 0; i + 1 < layers.length; i++) {
      const n = layers[i]! * layers[i + 1]!;
      this.weights.push(new Ctor(n));
      this.biases.push(new Ctor(layers[i + 1]!));
      this.gradWeights.push(new Ctor(n));
      this.gradBiases.push(new Ctor(layers[i + 1]!));
      this.weightsT.push(new Ctor(i === 0 ? 0 : n));
    }
    const widths = layers.slice(1);
    this.workspaces = new PerBatchSize((rows) => ({
      rows,
      pre: widths.map((w) => new Ctor(rows * w)),
      post: widths.slice(0, -1).map((w) => new Ctor(rows * w)),
    }));
  }

  forward(x: FloatArray, rows: number): FloatArray {
    const ws = this.workspaces.get(rows);
    let input = x;
    const last = this.weights.length - 1;
    for (let l = 0; l <= last; l++) {
      const pre = ws.pre[l]!;
      matmulTransposed(input, this.weights[l]!, pre, rows, this.layers[l + 1]!, this.layers[l]!, this.biases[l]);
      if (l === last) return pre;
      const post = ws.post[l]!;
      activate(this.activation, pre, post, rows * this.layers[l + 1]!);
      input = post;
    }
    throw new Error('unreachable: a model has at least one layer');
  }

  lossAndGradients(x: FloatArray, targets: Targets, rows: number, kind: LossKind): number {
    const ws = this.workspaces.get(rows);
    const z = this.forward(x, rows);
    const back = this.backBuffers(ws);
    const last = this.weights.length - 1;
    const loss = computeLoss(kind, z, targets, rows, this.layers[last + 1]!, back.delta[last]);
    for (let l = last; l >= 0; l--) {
      const fanIn = this.layers[l]!;
      const fanOut = this.layers[l + 1]!;
      const input = l === 0 ? x : ws.post[l - 1]!;
      const delta = back.delta[l]!;
      // dW = deltaᵀ·input and db = column sums of delta, both as A·Bᵀ over the batch.
      transpose(delta, back.deltaT[l]!, rows, fanOut);
      transpose(input, back.inputT[l]!, rows, fanIn);
      matmulTransposed(back.deltaT[l]!, back.inputT[l]!, this.gradWeights[l]!, fanOut, fanIn, rows);
      sumRows(back.deltaT[l]!, this.gradBiases[l]!, fanOut, rows);
      if (l > 0) {
        // d(input) = delta·W, then through the activation of the previous layer.
        const wT = this.weightsT[l]!;
        transpose(this.weights[l]!, wT, fanOut, fanIn);
        const below = back.delta[l - 1]!;
        matmulTransposed(delta, wT, below, rows, fanIn, fanOut);
        activationBackward(this.activation, ws.pre[l - 1]!, ws.post[l - 1]!, below, rows * fanIn);
      }
    }
    return loss;
  }

  private backBuffers(ws: Workspace): NonNullable<Workspace['back']> {
    if (ws.back === undefined) {
      const rows = ws.rows;
      ws.back = {
        delta: this.layers.slice(1).map((w) => new this.Ctor(rows * w)),
        deltaT: this.layers.slice(1).map((w) => new this.Ctor(rows * w)),
        inputT: this.layers.slice(0, -1).map((w) => new this.Ctor(rows * w)),
      };
    }
    return ws.back;
  }
}
