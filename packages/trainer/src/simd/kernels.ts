import { createAdamWArena, isSimdAvailable, type AdamWArena } from '@adamw/core';
import type { Dtype, FloatArray } from '../types.js';
import { MATMUL_F32_WASM_BASE64, MATMUL_F64_WASM_BASE64 } from './matmul-wasm.js';
import { JOB, PER_WORKER, type MatmulWorkers, type SharedArena } from './threads.js';

/** The functions of the compiled module (wasm/matmul.wat) for one element type; addresses in bytes. */
interface MatmulExports {
  gemm(c: number, ldc: number, a: number, b: number, m: number, n: number, kc: number, load: number, scratch: number): void;
  packA(dst: number, a: number, sam: number, sak: number, m: number, kc: number): void;
  packB(dst: number, b: number, ldb: number, trans: number, kc: number, n: number): void;
  addBias(c: number, bias: number, rows: number, cols: number): void;
  colSums(out: number, src: number, rows: number, cols: number, load: number): void;
  relu(dst: number, src: number, n: number): void;
  reluBackward(delta: number, pre: number, n: number): void;
}

/**
 * Rows of k per block of a product: a packed panel of B (256 rows of 32
 * bytes) and a packed block of four rows of A stay in the L1 data cache.
 */
export const KC = 256;

/** Columns of a packed panel of B: two vectors. */
const panelColumns = (dtype: Dtype): number => (dtype === 'float32' ? 8 : 4);

/**
 * Products smaller than this many multiply-adds run on the calling thread
 * alone: waking the workers costs tens of microseconds.
 */
const MIN_SPLIT_MACS = 1 << 21;

/** Bytes of the scratch block that narrow panels go through (4 rows of 32 bytes). */
const SCRATCH_BYTES = 128;

/** Arrays handed out by a {@link KernelMemory} start on cache lines. */
const ALIGN = 64;

const align = (bytes: number): number => Math.ceil(bytes / ALIGN) * ALIGN;

const modules: Partial<Record<Dtype, WebAssembly.Module | null>> = {};

/**
 * The compiled module for `dtype`, or null where WebAssembly SIMD is not
 * available (an engine without it, or a page whose Content-Security-Policy
 * forbids WebAssembly). Compiled once, synchronously: each module is under
 * 3 KiB, below the 4 KiB that browsers compile synchronously on the main thread.
 */
function matmulModule(dtype: Dtype): WebAssembly.Module | null {
  let module = modules[dtype];
  if (module === undefined) {
    module = null;
    try {
      const bytes = Uint8Array.from(atob(dtype === 'float32' ? MATMUL_F32_WASM_BASE64 : MATMUL_F64_WASM_BASE64), (c) => c.charCodeAt(0));
      if (typeof WebAssembly === 'object' && WebAssembly.validate(bytes)) {
        module = new WebAssembly.Module(bytes);
        // Instantiating proves that this page may run it.
        new WebAssembly.Instance(module, { env: { memory: new WebAssembly.Memory({ initial: 1 }) } });
      }
    } catch {
      module = null;
    }
    modules[dtype] = module;
  }
  return module;
}

/**
 * Whether the WebAssembly SIMD matrix kernels run here for `dtype` (decided
 * once per type): this module, and core's AdamW kernel whose arena they share.
 */
export function isMatmulSimdAvailable(dtype: Dtype = 'float32'): boolean {
  return matmulModule(dtype) !== null && isSimdAvailable();
}

/**
 * The kernels instantiated on the memory of one `@adamw/core` AdamW arena of
 * fixed size: float arrays are carved out of it once, the matrix kernels work
 * on them where they are, and so does core's AdamW step on parameters,
 * gradients and moments that all live there. The memory never grows, so no
 * array handed out is ever detached.
 */
export class KernelMemory {
  readonly dtype: Dtype;
  /** The arena the arrays come from; its `initAdamW` puts moments beside them. */
  readonly arena: AdamWArena | SharedArena;
  /** The worker threads that share the products, if any. */
  readonly threads: MatmulWorkers | undefined;
  private readonly k: MatmulExports;
  private readonly shift: number;
  private readonly scratch: number;
  /** Per worker thread: its packing buffers and scratch block, byte offsets [packA, packB, scratch]. */
  private readonly workerBuffers: number[][] = [];
  private readonly packA: number;
  private readonly packABytes: number;
  private readonly packB: number;
  private readonly packBBytes: number;

  /**
   * A memory for `bytes` of arrays (plan them with {@link KernelMemory.bytesFor})
   * and the packing buffers of products C[M × N] with M ≤ `maxRows` and
   * N ≤ `maxColumns`: an AdamW arena of its own, or, with `threads`, the
   * threads' shared memory (and packing buffers for each thread).
   * @throws Error when WebAssembly SIMD is not available.
   */
  constructor(dtype: Dtype, bytes: number, maxRows: number, maxColumns: number, threads?: MatmulWorkers) {
    const plain = matmulModule(dtype);
    if (plain === null || !isSimdAvailable()) throw new Error('WebAssembly SIMD is not available in this JavaScript engine; use the scalar kernel');
    this.dtype = dtype;
    this.shift = dtype === 'float32' ? 2 : 3;
    this.threads = threads;
    this.packABytes = Math.ceil(maxRows / 4) * KC * (4 << this.shift);
    this.packBBytes = Math.ceil(maxColumns / panelColumns(dtype)) * KC * 32;
    this.arena = threads?.arena ?? createAdamWArena(align(SCRATCH_BYTES) + align(this.packABytes) + align(this.packBBytes) + bytes + 3 * ALIGN);
    const memory = this.arena.memory!;
    const module = threads === undefined ? plain : threads.module(dtype);
    const e = new WebAssembly.Instance(module, { env: { memory } }).exports as Record<string, (...args: number[]) => void>;
    const t = dtype === 'float32' ? 'f32' : 'f64';
    this.k = {
      gemm: e[`gemm_${t}`]!,
      packA: e[`pack_a_${t}`]!,
      packB: e[`pack_b_${t}`]!,
      addBias: e[`add_bias_${t}`]!,
      colSums: e[`col_sums_${t}`]!,
      relu: e[`relu_${t}`]!,
      reluBackward: e[`relu_backward_${t}`]!,
    } as MatmulExports;
    this.scratch = this.alloc(SCRATCH_BYTES >> this.shift).byteOffset;
    this.packA = this.alloc(this.packABytes >> this.shift).byteOffset;
    this.packB = this.alloc(this.packBBytes >> this.shift).byteOffset;
    for (let w = 0; w < (threads?.workers ?? 0); w++) {
      const packA = this.alloc(this.packABytes >> this.shift).byteOffset;
      const packB = this.alloc(this.packBBytes >> this.shift).byteOffset;
      this.workerBuffers.push([packA, packB, this.alloc(SCRATCH_BYTES >> this.shift).byteOffset]);
    }
  }

  /** Bytes that arrays of these lengths take in a memory of `dtype`, with their alignment. */
  static bytesFor(dtype: Dtype, lengths: readonly number[]): number {
    const size = dtype === 'float32' ? 4 : 8;
    return lengths.reduce((sum, n) => sum + align(n * size) + ALIGN, 0);
  }

  /** A zero-filled array of `length` elements in this memory (a RangeError when it is full). */
  alloc(length: number): FloatArray {
    return this.dtype === 'float32' ? this.arena.float32(length) : this.arena.float64(length);
  }

  /** y[rows × out] = x[rows × in]·wᵀ, with w [out × in] (the dense layer without its bias). */
  forward(y: FloatArray, x: FloatArray, w: FloatArray, rows: number, outSize: number, inSize: number): void {
    const s = this.shift;
    this.product(y.byteOffset, outSize << s, x.byteOffset, inSize << s, 1 << s, w.byteOffset, inSize << s, true, rows, outSize, inSize, false);
  }

  /** dw[out × in] (+)= δᵀ·x with δ [rows × out] and x [rows × in]: the weight gradient, added to dw when `accumulate`. */
  weightGrad(dw: FloatArray, delta: FloatArray, x: FloatArray, rows: number, outSize: number, inSize: number, accumulate: boolean): void {
    const s = this.shift;
    this.product(dw.byteOffset, inSize << s, delta.byteOffset, 1 << s, outSize << s, x.byteOffset, inSize << s, false, outSize, inSize, rows, accumulate);
  }

  /** dx[rows × in] = δ·w with δ [rows × out] and w [out × in]: the gradient of the layer's input. */
  inputGrad(dx: FloatArray, delta: FloatArray, w: FloatArray, rows: number, outSize: number, inSize: number): void {
    const s = this.shift;
    this.product(dx.byteOffset, inSize << s, delta.byteOffset, outSize << s, 1 << s, w.byteOffset, inSize << s, false, rows, inSize, outSize, false);
  }

  /** c[r, j] += bias[j] over rows × cols. */
  addBias(c: FloatArray, bias: FloatArray, rows: number, cols: number): void {
    this.k.addBias(c.byteOffset, bias.byteOffset, rows, cols);
  }

  /** sums[j] (+)= Σᵣ src[r, j] over rows × cols, in order of r: the bias gradient. */
  colSums(sums: FloatArray, src: FloatArray, rows: number, cols: number, accumulate: boolean): void {
    this.k.colSums(sums.byteOffset, src.byteOffset, rows, cols, accumulate ? 1 : 0);
  }

  /** dst = relu(src) over n elements, as `activate('relu', …)` computes it. */
  relu(dst: FloatArray, src: FloatArray, n: number): void {
    this.k.relu(dst.byteOffset, src.byteOffset, n);
  }

  /** delta[i] = 0 where pre[i] ≤ 0, as `activationBackward('relu', …)` computes it. */
  reluBackward(delta: FloatArray, pre: FloatArray, n: number): void {
    this.k.reluBackward(delta.byteOffset, pre.byteOffset, n);
  }

  /**
   * C[M × N] (+)= A[M × K]·B[K × N] (see {@link productColumns}); with worker
   * threads, a large product's columns are split into runs of whole panels,
   * one run per thread.
   */
  private product(
    c: number,
    ldc: number,
    a: number,
    sam: number,
    sak: number,
    b: number,
    ldb: number,
    transB: boolean,
    M: number,
    N: number,
    K: number,
    accumulate: boolean,
  ): void {
    if (Math.ceil(M / 4) * KC * (4 << this.shift) > this.packABytes || Math.ceil(N / panelColumns(this.dtype)) * KC * 32 > this.packBBytes) {
      throw new RangeError(`a product of ${M} × ${N} exceeds the packing buffers`);
    }
    const E = 1 << this.shift;
    const threads = this.threads;
    const panels = Math.ceil(N / panelColumns(this.dtype));
    const count = threads === undefined || threads.closed || M * N * K < MIN_SPLIT_MACS ? 1 : Math.min(threads.workers + 1, panels);
    if (count === 1) {
      productColumns(this.k, E, KC, c, ldc, a, sam, sak, b, ldb, transB, M, 0, N, K, accumulate, this.packA, this.packB, this.scratch);
      return;
    }
    // Thread t takes panels [t·panels/count, (t+1)·panels/count); the calling thread the first run.
    const P = panelColumns(this.dtype);
    const edge = (t: number) => Math.min(N, Math.floor((t * panels) / count) * P);
    const job = threads!.job;
    job[JOB.float32] = this.dtype === 'float32' ? 1 : 0;
    job[JOB.c] = c;
    job[JOB.ldc] = ldc;
    job[JOB.a] = a;
    job[JOB.sam] = sam;
    job[JOB.sak] = sak;
    job[JOB.b] = b;
    job[JOB.ldb] = ldb;
    job[JOB.trans] = transB ? 1 : 0;
    job[JOB.M] = M;
    job[JOB.K] = K;
    job[JOB.accumulate] = accumulate ? 1 : 0;
    for (let w = 0; w < threads!.workers; w++) {
      const at = JOB.perWorker + PER_WORKER * w;
      const [packA, packB, scratch] = this.workerBuffers[w]!;
      job[at] = w + 1 < count ? edge(w + 1) : 0;
      job[at + 1] = w + 1 < count ? edge(w + 2) : 0;
      job[at + 2] = packA!;
      job[at + 3] = packB!;
      job[at + 4] = scratch!;
    }
    threads!.run(() => productColumns(this.k, E, KC, c, ldc, a, sam, sak, b, ldb, transB, M, 0, edge(1), K, accumulate, this.packA, this.packB, this.scratch));
  }
}

/**
 * Columns [n0, n1) of C[M × N] (+)= A[M × K]·B[K × N], in blocks of `kc`
 * rows of k: each block of A and of those columns of B is packed, then
 * multiplied into C, continuing the sums of the blocks before it. A(m, k)
 * is at a + m·sam + k·sak; B(k, n) at b + k·ldb + n·E, or at b + n·ldb + k·E
 * with `transB`. `k` holds the module's exports for the element size E.
 *
 * Worker threads run it from its source text, so it is self-contained: no
 * imports, no calls to other functions of this file. @internal
 */
export function productColumns(
  k: { gemm: MatmulExports['gemm']; packA: MatmulExports['packA']; packB: MatmulExports['packB'] },
  E: number,
  KC: number,
  c: number,
  ldc: number,
  a: number,
  sam: number,
  sak: number,
  b: number,
  ldb: number,
  transB: boolean,
  M: number,
  n0: number,
  n1: number,
  K: number,
  accumulate: boolean,
  packA: number,
  packB: number,
  scratch: number,
): void {
  const n = n1 - n0;
  if (n <= 0) return;
  const cn = c + n0 * E;
  const bn = transB ? b + n0 * ldb : b + n0 * E;
  for (let k0 = 0; k0 < K; k0 += KC) {
    const kc = Math.min(KC, K - k0);
    k.packA(packA, a + k0 * sak, sam, sak, M, kc);
    k.packB(packB, transB ? bn + k0 * E : bn + k0 * ldb, ldb, transB ? 1 : 0, kc, n);
    k.gemm(cn, ldc, packA, packB, M, n, kc, accumulate || k0 > 0 ? 1 : 0, scratch);
  }
}
