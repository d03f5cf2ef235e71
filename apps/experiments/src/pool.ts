import { Worker } from 'node:worker_threads';
import type { CellJob, CellResult } from './cell.js';
import type { WorkerInit, WorkerMessage } from './worker.js';

/** Progress events of a pool run. */
export interface PoolEvents {
  /** A job finished an epoch. */
  onEpoch?: (job: CellJob, epoch: number) => void;
  /** A job finished. */
  onResult?: (job: CellJob, result: CellResult) => void;
}

/** What a pool run ends with: every result so far by job id, and whether `signal` stopped it first. */
export interface PoolOutcome {
  results: (CellResult | undefined)[];
  stopped: boolean;
}

/**
 * Runs every job on `size` worker threads started from `workerUrl`, each
 * given `init` once; a worker takes the next job as soon as it is free.
 * Resolves once every job is done, or as soon as `signal` aborts (the runs
 * in flight are dropped and the workers stopped); rejects on the first
 * failure after stopping every worker, with the results so far attached as
 * `error.partial`.
 */
export function runPool(
  jobs: readonly CellJob[],
  size: number,
  workerUrl: URL,
  init: WorkerInit,
  events: PoolEvents = {},
  signal?: AbortSignal,
): Promise<PoolOutcome> {
  const results: (CellResult | undefined)[] = new Array(jobs.length).fill(undefined);
  const byId = new Map(jobs.map((j) => [j.id, j]));
  let next = 0;
  let done = 0;
  const workers: Worker[] = [];
  return new Promise<PoolOutcome>((resolve, reject) => {
    let settled = false;
    const stopAll = () => Promise.all(workers.map((w) => w.terminate()));
    const finish = (stopped: boolean) => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      void stopAll().then(() => resolve({ results, stopped }));
    };
    const fail = (error: Error) => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      (error as Error & { partial?: PoolOutcome }).partial = { results, stopped: false };
      void stopAll().finally(() => reject(error));
    };
    const onAbort = () => finish(true);
    const feed = (worker: Worker) => {
      if (next < jobs.length) worker.postMessage(jobs[next++]);
    };
    if (signal?.aborted) {
      resolve({ results, stopped: true });
      return;
    }
    if (jobs.length === 0) {
      resolve({ results, stopped: false });
      return;
    }
    signal?.addEventListener('abort', onAbort, { once: true });
    const count = Math.max(1, Math.min(size, jobs.length));
    for (let i = 0; i < count; i++) {
      const worker = new Worker(workerUrl, { workerData: init });
      workers.push(worker);
      worker.on('message', (message: WorkerMessage) => {
        if (settled) return;
        const job = byId.get(message.id)!;
        if (message.type === 'epoch') {
          events.onEpoch?.(job, message.epoch);
        } else if (message.type === 'error') {
          fail(new Error(`run ${job.optimizer} lr=${job.lr} weightDecayNorm=${job.weightDecayNorm} seed=${job.seed} failed: ${message.message}`));
        } else {
          results[job.id] = message.result;
          done++;
          events.onResult?.(job, message.result);
          if (done === jobs.length) finish(false);
          else feed(worker);
        }
      });
      worker.on('error', fail);
      worker.on('exit', (code) => {
        if (code !== 0 && !settled) fail(new Error(`a worker thread exited with code ${code}`));
      });
      feed(worker);
    }
  });
}
