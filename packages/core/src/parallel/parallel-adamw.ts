import { availableParallelism } from 'node:os';
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import { planAdamWStep } from '../adamw/plan.js';
import { checkAdamWStep } from '../adamw/step.js';
import { runSimdChunks, runSimdResident, SIMD_PLAN_BYTES, SIMD_SLOT_BYTES, writeSimdPlan } from '../simd/driver.js';
import { ADAMW_FMA_SHARED_WASM_BASE64, ADAMW_SHARED_WASM_BASE64 } from '../simd/adamw-wasm.js';
import {
  adamwSimdKernelRange,
  adamwWasmModule,
  createResidentContext,
  decodeBase64,
  simdFusedMultiplyAdd,
  markResident,
  RESIDENT_HEAD_BYTES,
  residentContext,
} from '../simd/kernel.js';
import type { AdamWOptions, AdamWState, FloatArray } from '../types.js';
import { alignArray, floatAllocator } from '../simd/allocator.js';
import { shardBounds } from './shards.js';
import { isShared } from './shared.js';
import { checkKnownKeys, optionValue, writeStep } from '../validate.js';
import { finishStep, openStep, stopWorkers } from './handshake.js';
import { CONTROL, GATE_SPINS, PLAN_FIELDS, parallelWorkerSource, SCALARS, WORKER_SLOTS, type WorkerArrays, type WorkerData } from './worker.js';

/** Options of {@link createParallelAdamW}. */
export interface ParallelAdamWOptions {
  /**
   * Worker threads to start. The calling thread computes a share too, so a
   * step runs on `workers + 1` threads. Default: the machine's available
   * parallelism minus one (at least 1).
   */
  workers?: number;
  /**
   * Fewest elements worth a thread of their own. A step on fewer than twice
   * this runs on the calling thread alone, and a larger one uses at most
   * `length / minLengthPerThread` threads: waking a worker costs tens of
   * microseconds. Default 65536.
   */
  minLengthPerThread?: number;
  /**
   * Longest a step waits for a worker to answer, and then to finish its
   * share after the calling thread finished its own, in milliseconds. A
   * worker that has died cannot answer: the step fails with an error naming
   * it, and this pool can no longer step. Default 10000.
   */
  workerTimeoutMs?: number;
}

/**
 * A pool of worker threads that runs AdamW steps on shards of shared arrays,
 * with a shared WebAssembly memory in which it allocates arrays that every
 * thread updates in place.
 */
export interface ParallelAdamW {
  /** Number of worker threads (the calling thread works too). */
  readonly workers: number;
  /** Bytes allocated in the pool's shared memory so far. */
  readonly usedBytes: number;
  /**
   * The shared WebAssembly memory the pool's arrays live in. Other
   * WebAssembly modules (built for a shared memory) may be instantiated on it,
   * in this thread or in workers, to work on the same arrays; its first
   * kilobyte belongs to the AdamW kernel. It grows as arrays are allocated,
   * which leaves every array already handed out valid.
   */
  readonly memory: WebAssembly.Memory;
  /** A zero-filled Float32Array of `length` elements in the pool's shared memory (at most 4 GiB in all). */
  float32(length: number): Float32Array;
  /** A zero-filled Float64Array of `length` elements in the pool's shared memory. */
  float64(length: number): Float64Array;
  /** A copy of `a` in the pool's shared memory. */
  copyOf<T extends FloatArray>(a: T): T;
  /** `initAdamW` with the moments (and `vMax` with `options.amsgrad`) in the pool's shared memory. */
  initAdamW<T extends FloatArray>(params: T, options?: AdamWOptions): AdamWState<T>;
  /**
   * `adamwStepInPlace` on `workers + 1` threads: the same checks, the same
   * options and bit for bit the same results. Every array (`params`,
   * `grads`, `state.m`, `state.v`, `state.vMax`) must be backed by a
   * SharedArrayBuffer. Arrays allocated by this pool are updated where they
   * are; other shared arrays are copied through each thread's memory in
   * chunks, which is slower (engines copy shared memory with atomic word
   * copies). Synchronous: it returns when every thread is done.
   *
   * A worker that has exited, or does not answer within
   * `workerTimeoutMs`, fails the step with an Error that names it, before any
   * thread has written anything; from then on every step of this pool throws
   * that error (its arrays stay usable, with `adamwStepInPlace` or another
   * pool).
   *
   * @throws TypeError when an array is not SharedArrayBuffer-backed, and
   *   everything `adamwStepInPlace` throws; Error after `close()` or when a
   *   worker is gone.
   */
  step<T extends FloatArray>(params: T, grads: T, state: AdamWState<T>, options?: AdamWOptions): void;
  /** Stops the workers. Steps after this throw; arrays already allocated stay usable. */
  close(): Promise<void>;
}

/** Inner shard boundaries fall on multiples of 16 elements: no two threads write one cache line. */
const ALIGN = 16;
const PAGE = 65536;
const MAX_PAGES = 65536;

let sharedModuleCache: WebAssembly.Module | undefined;

/** The worker threads of each pool, for tests that stop one. */
const threadsOf = new WeakMap<ParallelAdamW, readonly Worker[]>();

/**
 * The worker threads of a pool (tests stop one to check what a step does
 * without it).
 * @internal
 */
export function parallelWorkerThreads(pool: ParallelAdamW): readonly Worker[] {
  return threadsOf.get(pool) ?? [];
}

/**
 * The AdamW module built for a shared memory, with the fused multiply-add of
 * the calling thread's module (compiled once; kept out of the main entry).
 */
function sharedWasmModule(): WebAssembly.Module {
  if (sharedModuleCache === undefined) {
    const base64 = simdFusedMultiplyAdd() === 'relaxed' ? ADAMW_FMA_SHARED_WASM_BASE64 : ADAMW_SHARED_WASM_BASE64;
    try {
      sharedModuleCache = new WebAssembly.Module(decodeBase64(base64));
    } catch (error) {
      throw new Error(`this JavaScript engine cannot compile the shared-memory AdamW module: ${(error as Error).message}`);
    }
  }
  return sharedModuleCache;
}

function checkCount(value: unknown, name: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`option ${name} must be an integer in [${min}, ${max}], got ${String(value)}`);
  }
  return value;
}

function assertShared(arrays: Record<string, FloatArray | undefined>): void {
  for (const [name, a] of Object.entries(arrays)) {
    if (a !== undefined && !isShared(a)) {
      throw new TypeError(
        `${name} must be backed by a SharedArrayBuffer for the parallel step; allocate it with pool.float32()/float64()/copyOf()/initAdamW(), or shareFloatArray()`,
      );
    }
  }
}

/**
 * Starts worker threads for parallel AdamW steps on large models. Node only
 * (`node:worker_threads`); import it from `@adamw/core/parallel`.
 *
 * Each step splits the flat arrays into contiguous shards, one per thread,
 * and runs the WebAssembly SIMD kernel on every shard at once. An element's
 * update depends on that element alone, so the result is bit for bit that of
 * `adamwStepInPlace`. Arrays allocated in the pool (`pool.float32(n)`,
 * `pool.initAdamW(params)`) live in a shared WebAssembly memory that every
 * thread's kernel reads and writes directly: nothing is copied, and the
 * threads wait for work on `Atomics.wait`, so a step costs no messages.
 *
 * It pays off for arrays of a few hundred thousand elements and more, on
 * cores that are otherwise idle: one thread's step is limited by arithmetic
 * (the square root and two divisions per element) more than by memory, so a
 * second thread nearly halves the time until memory bandwidth is reached.
 * The package README's "Speed" section has the measurements.
 *
 * @example
 * ```ts
 * import { createParallelAdamW } from '@adamw/core/parallel';
 * const pool = await createParallelAdamW({ workers: 3 });
 * const params = pool.copyOf(initialWeights);      // Float32Array in shared memory
 * const grads = pool.float32(params.length);
 * const state = pool.initAdamW(params);
 * // each step: write the gradients into grads, then
 * pool.step(params, grads, state, { lr: 1e-3 });
 * await pool.close();
 * ```
 */
export async function createParallelAdamW(options: ParallelAdamWOptions = {}): Promise<ParallelAdamW> {
  checkKnownKeys(options, ['workers', 'minLengthPerThread', 'workerTimeoutMs'], 'parallel AdamW option');
  const workerCount = checkCount(optionValue(options, 'workers') ?? Math.max(1, availableParallelism() - 1), 'workers', 0, 256);
  const minLength = checkCount(optionValue(options, 'minLengthPerThread') ?? 65536, 'minLengthPerThread', 1, 2 ** 40);
  const timeout = optionValue(options, 'workerTimeoutMs') ?? 10_000;
  if (typeof timeout !== 'number' || !(timeout > 0) || !Number.isFinite(timeout)) {
    throw new RangeError(`option workerTimeoutMs must be a positive number of milliseconds, got ${String(timeout)}`);
  }
  const timeoutMs = timeout;
  const module = adamwWasmModule();
  const sharedModule = sharedWasmModule();
  const memory = new WebAssembly.Memory({ initial: 1, maximum: MAX_PAGES, shared: true });
  // The calling thread's context on the shared memory: the plan block that
  // every thread reads, and slots for the last elements that do not fill a vector.
  const home = createResidentContext(memory, sharedModule);
  let next = RESIDENT_HEAD_BYTES;

  const control = new Int32Array(new SharedArrayBuffer((CONTROL.workers + WORKER_SLOTS.stride * workerCount) * 4));
  const scalars = new Float64Array(new SharedArrayBuffer((SCALARS.ranges + 2 * workerCount) * 8));
  const source = parallelWorkerSource();
  const workers: Worker[] = [];
  const ports: MessagePort[] = [];
  const posted: (WorkerArrays | undefined)[] = [];
  const failures: Error[] = [];
  /** Exit codes of workers that have exited, by id. */
  const exited = new Map<number, number>();
  const ready: Promise<void>[] = [];
  for (let id = 0; id < workerCount; id++) {
    const channel = new MessageChannel();
    const data: WorkerData = {
      id,
      module,
      sharedModule,
      memory,
      control: control.buffer as SharedArrayBuffer,
      scalars: scalars.buffer as SharedArrayBuffer,
      port: channel.port2,
      slotBytes: SIMD_SLOT_BYTES,
      planBytes: SIMD_PLAN_BYTES,
      layout: { control: CONTROL, slots: WORKER_SLOTS, gateSpins: GATE_SPINS, scalars: SCALARS, planFields: PLAN_FIELDS },
    };
    const worker = new Worker(source, { eval: true, workerData: data, transferList: [channel.port2] });
    ready.push(
      new Promise<void>((resolve, reject) => {
        worker.once('message', () => resolve());
        worker.once('error', reject);
        worker.once('exit', (code) => reject(new Error(`parallel AdamW worker ${id} exited with code ${code} before it was ready`)));
      }),
    );
    worker.on('error', (error) => failures.push(error));
    worker.on('exit', (code) => exited.set(id, code));
    workers.push(worker);
    ports.push(channel.port1);
    posted.push(undefined);
  }
  try {
    await Promise.all(ready);
  } catch (error) {
    await Promise.all(workers.map((w) => w.terminate()));
    throw error;
  }
  // Idle workers must not keep the process alive (only once they are ready:
  // until then the pending start-up is what keeps it running).
  for (const worker of workers) worker.unref();
  let closed = false;
  /** Why this pool can no longer step, once a worker is gone. */
  let broken: string | undefined;

  /** Byte offset of a new array of `bytes`, growing the shared memory as needed. */
  function take(bytes: number, what: string): number {
    const at = alignArray(next);
    const end = at + bytes;
    const have = memory.buffer.byteLength;
    if (end > have) {
      const pages = Math.ceil((end - have) / PAGE);
      if (have / PAGE + pages > MAX_PAGES) {
        throw new RangeError(`the pool's shared memory is limited to 4 GiB; ${what} does not fit (${at} bytes in use)`);
      }
      memory.grow(pages);
      // A grown shared memory hands out a new SharedArrayBuffer object.
      markResident(memory.buffer, home);
    }
    next = end;
    return at;
  }
  const allocator = floatAllocator(take, () => memory.buffer);

  function sendArrays(id: number, arrays: WorkerArrays | undefined): void {
    const last = posted[id];
    const same =
      arrays === undefined ||
      (last !== undefined && last.p === arrays.p && last.g === arrays.g && last.m === arrays.m && last.v === arrays.v && last.vMax === arrays.vMax);
    if (same) {
      control[CONTROL.workers + id * WORKER_SLOTS.stride + WORKER_SLOTS.reload] = 0;
      return;
    }
    ports[id]!.postMessage(arrays);
    posted[id] = arrays;
    control[CONTROL.workers + id * WORKER_SLOTS.stride + WORKER_SLOTS.reload] = 1;
  }

  function collectErrors(): string[] {
    const messages: string[] = [];
    for (const port of ports) {
      for (let r = receiveMessageOnPort(port); r !== undefined; r = receiveMessageOnPort(port)) messages.push(String(r.message));
    }
    return messages;
  }

  const unusable = ' This pool can no longer step; close it, and step its arrays with adamwStepInPlace or another pool.';

  /** Throws when a worker is known to be gone (its exit was seen, or an earlier step found it). */
  function assertWorkersAlive(): void {
    if (broken === undefined && exited.size > 0) {
      const [id, code] = exited.entries().next().value as [number, number];
      broken = `parallel AdamW worker ${id} has exited (code ${code}); nothing was written.${unusable}`;
    }
    if (broken !== undefined) throw new Error(broken);
  }

  /**
   * Wakes the workers, runs the caller's share once all have answered, and
   * waits for all of them. Throws, with nothing written, when a worker did not
   * answer.
   */
  function runShards(own: () => void): void {
    const { seq, silent } = openStep(control, workerCount, timeoutMs);
    if (silent >= 0) {
      broken = `parallel AdamW worker ${silent} did not answer within ${timeoutMs} ms (it has exited or is stuck); nothing was written.${unusable}`;
      throw new Error(broken);
    }
    let late = -1;
    try {
      own();
    } finally {
      late = finishStep(control, workerCount, timeoutMs, seq);
    }
    if (late >= 0) {
      broken = `parallel AdamW worker ${late} did not finish its share within ${timeoutMs} ms of the calling thread (it has exited or is stuck).${unusable}`;
      throw new Error(`${broken} The arrays of this step may be partly updated; state.step was not advanced.`);
    }
    if (Atomics.load(control, CONTROL.errors) > 0) {
      throw new Error(`parallel AdamW step failed; arrays may be partly updated:\n${collectErrors().join('\n')}`);
    }
  }

  const pool: ParallelAdamW = {
    workers: workerCount,
    memory,
    get usedBytes() {
      return next - RESIDENT_HEAD_BYTES;
    },
    ...allocator,
    step<T extends FloatArray>(params: T, grads: T, state: AdamWState<T>, options: AdamWOptions = {}): void {
      if (closed) throw new Error('this parallel AdamW has been closed');
      assertWorkersAlive();
      const o = checkAdamWStep(params, grads, state, options);
      const vMax = o?.amsgrad === true ? state.vMax : undefined;
      assertShared({ params, grads, 'state.m': state.m, 'state.v': state.v, 'state.vMax': vMax });
      if (o === undefined) return;
      if (failures.length > 0) throw new Error(`a parallel AdamW worker failed: ${failures[0]!.message}`);
      const t = state.step + 1;
      const plan = planAdamWStep(o, t);
      const n = params.length;
      const threads = Math.max(1, Math.min(workerCount + 1, Math.floor(n / minLength)));
      const float32 = params instanceof Float32Array;
      const arrays = [params, grads, state.m, state.v, vMax] as const;
      // The count first: a state whose step cannot be written throws while no thread has written.
      writeStep(state, t);
      if (threads === 1) {
        adamwSimdKernelRange(plan, params, grads, state.m, state.v, vMax, 0, n);
        return;
      }
      const resident = residentContext(arrays) === home;
      // Resident shards end on whole vectors; the caller does the last few elements.
      const body = resident ? n - (n % (float32 ? 4 : 2)) : n;
      const bounds = shardBounds(body, threads, ALIGN);
      scalars[SCALARS.resident] = resident ? 1 : 0;
      scalars[SCALARS.amsgrad] = vMax !== undefined ? 1 : 0;
      if (resident) {
        writeSimdPlan(home, plan, float32, vMax !== undefined);
        scalars[SCALARS.float32] = float32 ? 1 : 0;
        arrays.forEach((a, k) => {
          scalars[SCALARS.offsets + k] = a === undefined ? 0 : a.byteOffset;
        });
      } else {
        for (let k = 0; k < PLAN_FIELDS.length; k++) scalars[SCALARS.plan + k] = plan[PLAN_FIELDS[k]!] as number;
      }
      const shipped: WorkerArrays | undefined = resident ? undefined : { p: params, g: grads, m: state.m, v: state.v, vMax };
      for (let id = 0; id < workerCount; id++) {
        // Thread 0 is the caller; worker id takes part id + 1 (empty when
        // fewer threads are worth it).
        const part = id + 1;
        scalars[SCALARS.ranges + 2 * id] = part < threads ? bounds[part]! : 0;
        scalars[SCALARS.ranges + 2 * id + 1] = part < threads ? bounds[part + 1]! : 0;
        sendArrays(id, shipped);
      }
      try {
        if (resident) {
          runShards(() => {
            runSimdResident(home, params, grads, state.m, state.v, vMax, 0, bounds[1]!);
            runSimdChunks(home, params, grads, state.m, state.v, vMax, body, n);
          });
        } else {
          runShards(() => adamwSimdKernelRange(plan, params, grads, state.m, state.v, vMax, 0, bounds[1]!));
        }
      } catch (error) {
        state.step = t - 1;
        throw error;
      }
    },
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      stopWorkers(control);
      for (const port of ports) port.close();
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
  threadsOf.set(pool, workers);
  return pool;
}
