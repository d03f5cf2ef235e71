import type { AdamWPlan } from '../adamw/plan.js';
import type { FloatArray } from '../types.js';
import { createSimdContext, runSimdChunks, writeSimdPlan } from '../simd/driver.js';

/**
 * Slots of the shared control block (an Int32Array over a SharedArrayBuffer)
 * and of the shared scalars (a Float64Array) through which the calling
 * thread and the workers talk without messages.
 */
export const CONTROL = Object.freeze({
  /** Incremented by the caller to start a step (or to stop). */
  seq: 0,
  /** 0: step, 1: stop. */
  command: 1,
  /** Workers that have finished the current step. */
  done: 2,
  /** Workers that failed in the current step. */
  errors: 3,
  /** Workers that have answered the current step (and wait at the gate). */
  answered: 4,
  /** Incremented by the caller once every worker has answered (or when it gives up on one). */
  gate: 5,
  /** The step number the workers may run when the gate opens; any other value: run nothing. */
  verdict: 6,
  /** First of {@link WORKER_SLOTS}.stride slots per worker. */
  workers: 8,
});

/** The slots of each worker, from CONTROL.workers + id · stride. */
export const WORKER_SLOTS = Object.freeze({
  stride: 4,
  /** 1 when new arrays wait on its port. */
  reload: 0,
  /** The last step number it answered. */
  answered: 1,
  /** The last step number it finished. */
  finished: 2,
});

/** Loads of the gate a worker spins for before it sleeps: the caller usually opens it within microseconds. */
export const GATE_SPINS = 20_000;

/**
 * Layout of the shared scalars: the plan, the AMSGrad flag, the mode of the
 * step, and for arrays in the pool's memory their element type and byte
 * offsets; then [start, end) per worker.
 */
export const SCALARS = Object.freeze({
  plan: 0,
  /** 1 when vMax takes part. */
  amsgrad: 14,
  /** 1: the arrays live in the pool's shared memory (no copies); 0: they are copied in chunks. */
  resident: 15,
  /** 1 for Float32Array, 0 for Float64Array (resident steps). */
  float32: 16,
  /** Byte offsets of p, g, m, v and vMax in the pool's memory (resident steps). */
  offsets: 17,
  /** First of two numbers per worker. */
  ranges: 24,
});

/** The plan fields in the order the shared scalars hold them. */
export const PLAN_FIELDS = [
  'sign',
  'l2',
  'keepBefore',
  'keepAfter',
  'beta1',
  'oneMinusBeta1',
  'beta2',
  'oneMinusBeta2',
  'amsDivisor',
  'vDivisor',
  'epsRoot',
  'sqrtDivisor',
  'eps',
  'stepSize',
] as const satisfies readonly (keyof AdamWPlan)[];

/** The arrays a worker works on, sent when they change. */
export interface WorkerArrays {
  p: FloatArray;
  g: FloatArray;
  m: FloatArray;
  v: FloatArray;
  u: FloatArray | undefined;
}

/** What each worker is started with. */
export interface WorkerData {
  id: number;
  /** The AdamW module for a private memory (chunked copies). */
  module: WebAssembly.Module;
  /** The AdamW module for the shared memory, and that memory. */
  sharedModule: WebAssembly.Module;
  memory: WebAssembly.Memory;
  control: SharedArrayBuffer;
  scalars: SharedArrayBuffer;
  port: import('node:worker_threads').MessagePort;
  slotBytes: number;
  planBytes: number;
  layout: { control: typeof CONTROL; slots: typeof WORKER_SLOTS; gateSpins: number; scalars: typeof SCALARS; planFields: readonly string[] };
}

/**
 * The body of a worker thread. It runs from its source text (see
 * {@link parallelWorkerSource}), so it is self-contained: the driver
 * functions and `require` come in as arguments, and it defines no nested
 * functions.
 *
 * Loop: sleep on the sequence number; when it moves, answer (so that the
 * caller knows this thread is alive) and wait at the gate: the caller opens
 * it once every worker has answered, and no thread writes before that, so a
 * dead worker fails the step with nothing written. Then read this worker's
 * range and run the kernel on it, either directly on the pool's shared
 * memory (the caller has written the plan there) or, for arrays elsewhere,
 * through chunked copies into a memory of its own; then count itself done and
 * wake the caller.
 */
export function parallelWorkerMain(
  req: (id: string) => unknown,
  createContext: typeof createSimdContext,
  writePlan: typeof writeSimdPlan,
  runChunks: typeof runSimdChunks,
): void {
  const threads = req('node:worker_threads') as typeof import('node:worker_threads');
  const data = threads.workerData as WorkerData;
  const C = data.layout.control;
  const W = data.layout.slots;
  const own = C.workers + data.id * W.stride;
  const S = data.layout.scalars;
  const fields = data.layout.planFields;
  const control = new Int32Array(data.control);
  const scalars = new Float64Array(data.scalars);
  const ownMemory = new WebAssembly.Memory({ initial: 1 });
  const ctx = createContext(new WebAssembly.Instance(data.module, { env: { memory: ownMemory } }), ownMemory, data.slotBytes, data.planBytes);
  const shared = new WebAssembly.Instance(data.sharedModule, { env: { memory: data.memory } }).exports as unknown as {
    adamw_f32: (p: number, g: number, m: number, v: number, u: number, n: number) => void;
    adamw_f64: (p: number, g: number, m: number, v: number, u: number, n: number) => void;
  };
  const plan: Record<string, number | boolean> = { amsgrad: false };
  let arrays: WorkerArrays | undefined;
  let seen = Atomics.load(control, C.seq);
  threads.parentPort!.postMessage('ready');
  for (;;) {
    Atomics.wait(control, C.seq, seen);
    const now = Atomics.load(control, C.seq);
    if (now === seen) continue;
    seen = now;
    if (Atomics.load(control, C.command) === 1) break;
    const gate = Atomics.load(control, C.gate);
    Atomics.store(control, own + W.answered, now);
    Atomics.add(control, C.answered, 1);
    Atomics.notify(control, C.answered);
    for (let spins = 0; Atomics.load(control, C.gate) === gate; spins++) {
      if (spins >= data.layout.gateSpins) Atomics.wait(control, C.gate, gate);
    }
    if (Atomics.load(control, C.command) === 1) break;
    // The caller gave up on this step (another worker did not answer): run nothing.
    if (Atomics.load(control, C.verdict) !== now) continue;
    try {
      if (Atomics.load(control, own + W.reload) === 1) {
        const received = threads.receiveMessageOnPort(data.port);
        if (received === undefined) throw new Error('new arrays were flagged but none arrived');
        arrays = received.message as WorkerArrays;
      }
      const start = scalars[S.ranges + 2 * data.id]!;
      const end = scalars[S.ranges + 2 * data.id + 1]!;
      const amsgrad = scalars[S.amsgrad] === 1;
      if (end > start && scalars[S.resident] === 1) {
        const float32 = scalars[S.float32] === 1;
        const at = start * (float32 ? 4 : 8);
        const o = S.offsets;
        (float32 ? shared.adamw_f32 : shared.adamw_f64)(
          scalars[o]! + at,
          scalars[o + 1]! + at,
          scalars[o + 2]! + at,
          scalars[o + 3]! + at,
          amsgrad ? scalars[o + 4]! + at : 0,
          end - start,
        );
      } else if (end > start) {
        if (arrays === undefined) throw new Error('a step was started before any arrays were sent');
        for (let k = 0; k < fields.length; k++) plan[fields[k]!] = scalars[S.plan + k]!;
        plan.amsgrad = amsgrad;
        const u = amsgrad ? arrays.u : undefined;
        writePlan(ctx, plan as unknown as AdamWPlan, arrays.p instanceof Float32Array, u !== undefined);
        runChunks(ctx, arrays.p, arrays.g, arrays.m, arrays.v, u, start, end);
      }
    } catch (error) {
      data.port.postMessage(`worker ${data.id}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      Atomics.add(control, C.errors, 1);
    }
    Atomics.store(control, own + W.finished, now);
    Atomics.add(control, C.done, 1);
    Atomics.notify(control, C.done);
  }
}

/**
 * The source text of a worker: the driver functions and the worker body,
 * each taken from its own text. The no-op `__name` covers tools that insert
 * calls to a helper of that name when they transpile (tsx, esbuild's
 * keepNames); the worker has no such helper in scope.
 */
export function parallelWorkerSource(): string {
  return [
    "'use strict';",
    'var __name = function (target) { return target; };',
    `const createSimdContext = (${createSimdContext.toString()});`,
    `const writeSimdPlan = (${writeSimdPlan.toString()});`,
    `const runSimdChunks = (${runSimdChunks.toString()});`,
    `(${parallelWorkerMain.toString()})(require, createSimdContext, writeSimdPlan, runSimdChunks);`,
    '',
  ].join('\n');
}
