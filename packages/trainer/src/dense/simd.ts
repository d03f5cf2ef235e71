import { activate, activationBackward } from '../activations.js';
import { lossSum, type Targets } from '../losses.js';
import { KernelMemory } from '../simd/kernels.js';
import { arrayTypeOf, type Activation, type Dtype, type FloatArray, type LossKind } from '../types.js';
import { PerBatchSize, type DenseStack, type MomentsArena, type StackShape } from './stack.js';

/** Rows per chunk at most: enough for the products to run at full speed. */
const MAX_CHUNK_ROWS = 256;

/** Bytes the per-chunk buffers may take before chunks get fewer rows (but never fewer than 4). */
const CHUNK_BYTES = 32 * 1024 * 1024;

/** Rows per chunk for a stack: up to {@link MAX_CHUNK_ROWS}, within {@link CHUNK_BYTES} of buffers. */
export function chunkRowsFor(layers: readonly number[], dtype: Dtype): number {
  const widths = layers.slice(1);
  // Per row: the input, and per layer its pre-activation and gradient, and per hidden layer its activation.
  const perRow = layers[0]! + 2 * widths.reduce((a, b) => a + b, 0) + widths.slice(0, -1).reduce((a, b) => a + b, 0);
  const fit = Math.floor(CHUNK_BYTES / (perRow * (dtype === 'float32' ? 4 : 8)));
  return Math.max(4, Math.min(MAX_CHUNK_ROWS, fit - (fit % 4)));
}

/**
 * The passes of a dense stack on the WebAssembly SIMD kernels
 * (`wasm/matmul.wat`). Parameters, gradients, the buffers of one chunk of
 * rows and room for two AdamW moments per parameter live in one AdamW arena
 * of `@adamw/core` (a WebAssembly memory of fixed size), where the kernels
 * work on them in place and so does core's AdamW step; the memory never
 * grows, so `params` and `grads` stay valid for the model's whole life.
 *
 * A batch is run in chunks of at most {@link chunkRowsFor} rows through those
 * buffers: each chunk's forward pass, its part of the loss and its backward
 * pass, with the weight and bias gradients of later chunks added to those of
 * the first. The rows of a batch are the k of the weight gradient's product
 * and each sum continues where the previous chunk left it, so a batch in
 * chunks computes the same bits as the whole batch at once. @internal
 */
export class SimdStack implements DenseStack {
  readonly kernel = 'simd';
  readonly weights: FloatArray[] = [];
  readonly biases: FloatArray[] = [];
  readonly gradWeights: FloatArray[] = [];
  readonly gradBiases: FloatArray[] = [];
  /** Rows per chunk. */
  readonly chunkRows: number;
  private readonly layers: readonly number[];
  private readonly activation: Activation;
  private readonly memory: KernelMemory;
  /** One chunk of input rows, [chunkRows, in]. */
  private readonly input: FloatArray;
  /** Per layer, for one chunk: x·Wᵀ + b, its gradient, and (hidden layers) the activation. */
  private readonly pre: FloatArray[] = [];
  private readonly delta: FloatArray[] = [];
  private readonly post: FloatArray[] = [];
  /** Whole-batch outputs of `forward`, in ordinary arrays. */
  private readonly outputs: PerBatchSize<FloatArray>;
  /** Whether the room for the moments has been handed out. */
  private momentsTaken = false;

  /** @throws Error when WebAssembly SIMD is not available. */
  constructor({ layers, activation, dtype, workers }: StackShape) {
    this.layers = layers;
    this.activation = activation;
    const R = chunkRowsFor(layers, dtype);
    this.chunkRows = R;
    const depth = layers.length - 1;
    const widths = layers.slice(1);
    const lengths: number[] = [R * layers[0]!];
    for (let l = 0; l < depth; l++) {
      const n = layers[l]! * layers[l + 1]!;
      // The weight, its gradient and two moments; the same for the bias; the chunk buffers.
      // (A shared memory of worker threads grows instead.)
      lengths.push(n, n, n, n, layers[l + 1]!, layers[l + 1]!, layers[l + 1]!, layers[l + 1]!, R * layers[l + 1]!, R * layers[l + 1]!);
      if (l + 1 < depth) lengths.push(R * layers[l + 1]!);
    }
    // Products have at most max(R, widest layer) rows (the weight gradient has out rows) and the widest layer's columns.
    const widest = Math.max(...layers);
    this.memory = new KernelMemory(dtype, KernelMemory.bytesFor(dtype, lengths), Math.max(R, widest), widest, workers);
    const m = this.memory;
    this.input = m.alloc(R * layers[0]!);
    for (let l = 0; l < depth; l++) {
      const n = layers[l]! * layers[l + 1]!;
      this.weights.push(m.alloc(n));
      this.gradWeights.push(m.alloc(n));
      this.biases.push(m.alloc(layers[l + 1]!));
      this.gradBiases.push(m.alloc(layers[l + 1]!));
      this.pre.push(m.alloc(R * layers[l + 1]!));
      this.delta.push(m.alloc(R * layers[l + 1]!));
      if (l + 1 < depth) this.post.push(m.alloc(R * layers[l + 1]!));
    }
    const Ctor = arrayTypeOf(dtype);
    const outSize = widths[widths.length - 1]!;
    this.outputs = new PerBatchSize((rows) => new Ctor(rows * outSize));
  }

  /**
   * The arena of the parameters: its room for two moments per parameter goes
   * to the first optimizer that asks (AdamW without AMSGrad), so that its
   * step runs in place; undefined after that. The shared memory of worker
   * threads grows, and serves every optimizer.
   */
  takeMomentsArena(): MomentsArena | undefined {
    if (this.memory.threads !== undefined) return this.memory.arena;
    if (this.momentsTaken) return undefined;
    this.momentsTaken = true;
    return this.memory.arena;
  }

  forward(x: FloatArray, rows: number): FloatArray {
    const outSize = this.layers[this.layers.length - 1]!;
    const out = this.outputs.get(rows);
    for (let start = 0; start < rows; start += this.chunkRows) {
      const n = Math.min(this.chunkRows, rows - start);
      const z = this.forwardChunk(x, start, n);
      out.set(z.subarray(0, n * outSize), start * outSize);
    }
    return out;
  }

  lossAndGradients(x: FloatArray, targets: Targets, rows: number, kind: LossKind): number {
    const last = this.weights.length - 1;
    const outSize = this.layers[last + 1]!;
    const perRow = kind === 'mse' ? outSize : 1;
    let total = 0;
    for (let start = 0; start < rows; start += this.chunkRows) {
      const n = Math.min(this.chunkRows, rows - start);
      const z = this.forwardChunk(x, start, n);
      const t = targets.subarray(start * perRow, (start + n) * perRow);
      total = lossSum(kind, z, t, n, outSize, rows, total, this.delta[last]);
      this.backwardChunk(n, start > 0);
    }
    return total / (kind === 'mse' ? rows * outSize : rows);
  }

  /** The forward pass of rows [start, start + n) of x; returns the last layer's buffer (n rows of it are the outputs). */
  private forwardChunk(x: FloatArray, start: number, n: number): FloatArray {
    const m = this.memory;
    const inSize = this.layers[0]!;
    this.input.set(x.subarray(start * inSize, (start + n) * inSize));
    let input = this.input;
    const last = this.weights.length - 1;
    for (let l = 0; ; l++) {
      const fanIn = this.layers[l]!;
      const fanOut = this.layers[l + 1]!;
      const pre = this.pre[l]!;
      m.forward(pre, input, this.weights[l]!, n, fanOut, fanIn);
      m.addBias(pre, this.biases[l]!, n, fanOut);
      if (l === last) return pre;
      const post = this.post[l]!;
      if (this.activation === 'relu') m.relu(post, pre, n * fanOut);
      else activate(this.activation, pre, post, n * fanOut);
      input = post;
    }
  }

  /**
   * The backward pass of the chunk whose forward pass ran last, from dL/dz in
   * the last layer's `delta`: sets the gradients, or adds to them when
   * `accumulate`.
   */
  private backwardChunk(n: number, accumulate: boolean): void {
    const m = this.memory;
    for (let l = this.weights.length - 1; l >= 0; l--) {
      const fanIn = this.layers[l]!;
      const fanOut = this.layers[l + 1]!;
      const input = l === 0 ? this.input : this.post[l - 1]!;
      const delta = this.delta[l]!;
      m.weightGrad(this.gradWeights[l]!, delta, input, n, fanOut, fanIn, accumulate);
      m.colSums(this.gradBiases[l]!, delta, n, fanOut, accumulate);
      if (l > 0) {
        const below = this.delta[l - 1]!;
        m.inputGrad(below, delta, this.weights[l]!, n, fanOut, fanIn);
        if (this.activation === 'relu') m.reluBackward(below, this.pre[l - 1]!, n * fanIn);
        else activationBackward(this.activation, this.pre[l - 1]!, this.post[l - 1]!, below, n * fanIn);
      }
    }
  }
}
