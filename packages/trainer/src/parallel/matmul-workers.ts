import { availableParallelism } from 'node:os';
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import { createParallelAdamW } from '@adamw/core/parallel';
import { KC, productColumns } from '../simd/kernels.js';
import { MATMUL_F32_SHARED_WASM_BASE64, MATMUL_F64_SHARED_WASM_BASE64 } from '../simd/matmul-wasm.js';
import { JOB, PER_WORKER, type MatmulWorkers } from '../simd/threads.js';
import type { Dtype } from '../types.js';

/** Options of {@link createMatmulWorkers}. */
export interface MatmulWorkersOptions {
  /**
   * Worker threads to start; the calling thread computes a share too, so a
   * product runs on `workers + 1` threads. Default: the machine's available
   * parallelism minus one (at least 1).
   */
  workers?: number;
  /**
   * How long the calling thread waits for the workers' shares of one product
   * after finishing its own, in milliseconds. A worker that has died cannot
   * report it while the calling thread waits, so the product fails after this
   * long instead of hanging (and the workers are unusable afterwards).
   * Default 60000.
   */
  timeoutMs?: number;
}

/** Fields of the control block the threads synchronise on. */
const CONTROL = { seq: 0, done: 1, errors: 2, command: 3, length: 4 } as const;

/**
 * One product on every thread, without messages: wakes the workers waiting
 * on `seq`, runs the calling thread's share, then waits until `done` counts
 * every worker (even when `own` throws). Returns false when `timeoutMs`
 * passed first.
 */
function forkJoin(control: Int32Array, workers: number, timeoutMs: number, own: () => void): boolean {
  Atomics.store(control, CONTROL.done, 0);
  Atomics.store(control, CONTROL.errors, 0);
  Atomics.add(control, CONTROL.seq, 1);
  Atomics.notify(control, CONTROL.seq);
  let failure: { error: unknown } | undefined;
  try {
    own();
  } catch (error) {
    failure = { error };
  }
  // The workers are writing into shared memory: wait for them whatever happened here.
  const deadline = performance.now() + timeoutMs;
  let finished = true;
  for (let d = Atomics.load(control, CONTROL.done); d < workers; d = Atomics.load(control, CONTROL.done)) {
    const left = deadline - performance.now();
    if (left <= 0) {
      finished = false;
      break;
    }
    Atomics.wait(control, CONTROL.done, d, left);
  }
  if (failure !== undefined) throw failure.error;
  return finished;
}

interface WorkerSetup {
  id: number;
  memory: WebAssembly.Memory;
  modules: { float32: WebAssembly.Module; float64: WebAssembly.Module };
  control: SharedArrayBuffer;
  job: SharedArrayBuffer;
  port: MessagePort;
  layout: { control: typeof CONTROL; job: typeof JOB; perWorker: number; KC: number };
}

type Columns = typeof productColumns;

/**
 * The body of a worker thread, run from its source text (so it uses nothing
 * but its arguments): instantiate the kernels on the shared memory, then run
 * its columns of each product the calling thread announces.
 */
function workerMain(setup: WorkerSetup, parentPort: { postMessage(m: unknown): void }, columns: Columns): void {
  const { id, memory, modules, layout, port } = setup;
  const control = new Int32Array(setup.control);
  const job = new Int32Array(setup.job);
  const kernels = (module: WebAssembly.Module, t: string) => {
    const e = new WebAssembly.Instance(module, { env: { memory } }).exports as Record<string, (...args: number[]) => void>;
    return { gemm: e[`gemm_${t}`]!, packA: e[`pack_a_${t}`]!, packB: e[`pack_b_${t}`]! } as Parameters<Columns>[0];
  };
  const k32 = kernels(modules.float32, 'f32');
  const k64 = kernels(modules.float64, 'f64');
  const J = layout.job;
  const at = J.perWorker + layout.perWorker * id;
  parentPort.postMessage('ready');
  let seen = Atomics.load(control, layout.control.seq);
  for (;;) {
    Atomics.wait(control, layout.control.seq, seen);
    const now = Atomics.load(control, layout.control.seq);
    if (now === seen) continue;
    seen = now;
    if (Atomics.load(control, layout.control.command) === 1) return;
    try {
      const f32 = job[J.float32] === 1;
      columns(
        f32 ? k32 : k64,
        f32 ? 4 : 8,
        layout.KC,
        job[J.c]!,
        job[J.ldc]!,
        job[J.a]!,
        job[J.sam]!,
        job[J.sak]!,
        job[J.b]!,
        job[J.ldb]!,
        job[J.trans] === 1,
        job[J.M]!,
        job[at]!,
        job[at + 1]!,
        job[J.K]!,
        job[J.accumulate] === 1,
        job[at + 2]!,
        job[at + 3]!,
        job[at + 4]!,
      );
    } catch (error) {
      Atomics.add(control, layout.control.errors, 1);
      port.postMessage(String((error as Error)?.stack ?? error));
    }
    Atomics.add(control, layout.control.done, 1);
    Atomics.notify(control, layout.control.done);
  }
}

/**
 * The source text of a worker: {@link productColumns} and {@link workerMain}
 * from their own text. The no-op `__name` covers tools that insert calls to
 * a helper of that name when they transpile (tsx, esbuild's keepNames).
 */
function workerSource(): string {
  return [
    "const { parentPort, workerData } = require('node:worker_threads');",
    'const __name = (target) => target;',
    `const productColumns = (${productColumns.toString()});`,
    `(${workerMain.toString()})(workerData, parentPort, productColumns);`,
  ].join('\n');
}

function compile(base64: string, dtype: Dtype): WebAssembly.Module {
  try {
    return new WebAssembly.Module(Uint8Array.from(atob(base64), (c) => c.charCodeAt(0)));
  } catch (error) {
    throw new Error(`this JavaScript engine cannot compile the shared-memory ${dtype} matrix kernels: ${(error as Error).message}`);
  }
}

/**
 * Starts worker threads that share the matrix products of models: pass the
 * result as `workers` in a model's config. Node only (`node:worker_threads`);
 * import it from `@adamw/trainer/node`.
 *
 * The models' parameters, gradients, buffers and AdamW moments live in one
 * shared WebAssembly memory (core's parallel AdamW pool, which grows without
 * detaching anything). Each large product's columns are split into runs of
 * whole panels, one per thread: every element of a result is summed by one
 * thread in the same order as on one thread, so the bits are the same
 * whatever the number of threads. Threads wait on `Atomics.wait` between
 * products, so a product costs no messages. Everything else in a step
 * (activations, loss, the AdamW update) runs on the calling thread.
 *
 * In a browser the same design needs Web Workers and a page that is
 * cross-origin isolated (SharedArrayBuffer); this package ships only the
 * Node implementation.
 *
 * @example
 * ```ts
 * import { Mlp, Trainer } from '@adamw/trainer';
 * import { createMatmulWorkers } from '@adamw/trainer/node';
 * const workers = await createMatmulWorkers({ workers: 1 });
 * const model = new Mlp({ layers: [784, 512, 512, 10], workers }, { seed: 1 });
 * // … train as usual, then
 * await workers.close();
 * ```
 */
export async function createMatmulWorkers(options: MatmulWorkersOptions = {}): Promise<MatmulWorkers> {
  if (options === null || typeof options !== 'object')
    throw new TypeError(`matmul worker options must be an object, got ${options === null ? 'null' : typeof options}`);
  for (const key of Object.keys(options)) {
    if (key !== 'workers' && key !== 'timeoutMs') throw new TypeError(`unknown matmul worker option '${key}'; known options: workers, timeoutMs`);
  }
  const timeoutMs = options.timeoutMs ?? 60_000;
  if (typeof timeoutMs !== 'number' || !(timeoutMs > 0))
    throw new RangeError(`option timeoutMs must be a positive number of milliseconds, got ${String(timeoutMs)}`);
  const count = options.workers ?? Math.max(1, availableParallelism() - 1);
  if (typeof count !== 'number' || !Number.isInteger(count) || count < 1 || count > 256) {
    throw new RangeError(`option workers must be an integer in [1, 256], got ${String(count)}`);
  }
  const modules = { float32: compile(MATMUL_F32_SHARED_WASM_BASE64, 'float32'), float64: compile(MATMUL_F64_SHARED_WASM_BASE64, 'float64') };
  // core's pool without threads of its own: its shared memory, whose arrays core's AdamW step updates in place.
  const pool = await createParallelAdamW({ workers: 0 });
  const control = new Int32Array(new SharedArrayBuffer(CONTROL.length * 4));
  const job = new Int32Array(new SharedArrayBuffer((JOB.perWorker + PER_WORKER * count) * 4));
  const source = workerSource();
  const workers: Worker[] = [];
  const ports: MessagePort[] = [];
  const failures: Error[] = [];
  const ready: Promise<void>[] = [];
  for (let id = 0; id < count; id++) {
    const channel = new MessageChannel();
    const setup: WorkerSetup = {
      id,
      memory: pool.memory,
      modules,
      control: control.buffer as SharedArrayBuffer,
      job: job.buffer as SharedArrayBuffer,
      port: channel.port2,
      layout: { control: CONTROL, job: JOB, perWorker: PER_WORKER, KC },
    };
    const worker = new Worker(source, { eval: true, workerData: setup, transferList: [channel.port2] });
    ready.push(
      new Promise<void>((resolve, reject) => {
        worker.once('message', () => resolve());
        worker.once('error', reject);
        worker.once('exit', (code) => reject(new Error(`matmul worker ${id} exited with code ${code} before it was ready`)));
      }),
    );
    worker.on('error', (error) => failures.push(error));
    workers.push(worker);
    ports.push(channel.port1);
  }
  try {
    await Promise.all(ready);
  } catch (error) {
    await Promise.all(workers.map((w) => w.terminate()));
    await pool.close();
    throw error;
  }
  for (const worker of workers) worker.unref();
  let closed = false;
  let broken: string | undefined;
  return {
    workers: count,
    arena: pool,
    job,
    get closed() {
      return closed;
    },
    module: (dtype) => modules[dtype],
    run(own) {
      if (closed) throw new Error('these matmul workers have been closed');
      if (broken !== undefined) throw new Error(broken);
      if (failures.length > 0) throw new Error(`a matmul worker failed: ${failures[0]!.message}`);
      if (!forkJoin(control, count, timeoutMs, own)) {
        broken = `a matmul worker did not finish its share of a product within ${timeoutMs} ms (it has exited or is stuck); the product's result is partial, and these workers can no longer run; close them`;
        throw new Error(broken);
      }
      if (Atomics.load(control, CONTROL.errors) > 0) {
        const messages: string[] = [];
        for (const port of ports) for (let r = receiveMessageOnPort(port); r !== undefined; r = receiveMessageOnPort(port)) messages.push(String(r.message));
        throw new Error(`a matmul worker failed; the product's result is partial:\n${messages.join('\n')}`);
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      Atomics.store(control, CONTROL.command, 1);
      Atomics.add(control, CONTROL.seq, 1);
      Atomics.notify(control, CONTROL.seq);
      for (const port of ports) port.close();
      await Promise.all(workers.map((w) => w.terminate()));
      await pool.close();
    },
  };
}
