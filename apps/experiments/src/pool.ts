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

/**
 * Runs every job on `size` worker threads started from `workerUrl`, each
 * given `init` once; a worker takes the next job as soon as it is free.
 * Resolves with the results in job order; rejects on the first failure and
 * stops every worker.
 */
export function runPool(jobs: readonly CellJob[], size: number, workerUrl: URL, init: WorkerInit, events: PoolEvents = {}): Promise<CellResult[]> {
  const results: CellResult[] = new Array(jobs.length);
  const byId = new Map(jobs.map((j) => [j.id, j]));
  let next = 0;
  let done = 0;
  const workers: Worker[] = [];
  return new Promise<CellResult[]>((resolve, reject) => {
    let failed = false;
    const stopAll = () => Promise.all(workers.map((w) => w.terminate()));
    const fail = (error: Error) => {
      if (failed) return;
      failed = true;
      void stopAll().finally(() => reject(error));
    };
    const feed = (worker: Worker) => {
      if (next < jobs.length) worker.postMessage(jobs[next++]);
    };
    if (jobs.length === 0) {
      resolve(results);
      return;
    }
    const count = Math.max(1, Math.min(size, jobs.length));
    for (let i = 0; i < count; i++) {
      const worker = new Worker(workerUrl, { workerData: init });
      workers.push(worker);
      worker.on('message', (message: WorkerMessage) => {
        const job = byId.get(message.id)!;
        if (message.type === 'epoch') {
          events.onEpoch?.(job, message.epoch);
        } else if (message.type === 'error') {
          fail(new Error(`run ${job.optimizer} lr=${job.lr} weightDecay=${job.weightDecay} seed=${job.seed} failed: ${message.message}`));
        } else {
          results[job.id] = message.result;
          done++;
          events.onResult?.(job, message.result);
          if (done === jobs.length) void stopAll().then(() => resolve(results));
          else feed(worker);
        }
      });
      worker.on('error', fail);
      worker.on('exit', (code) => {
        if (code !== 0 && done < jobs.length) fail(new Error(`a worker thread exited with code ${code}`));
      });
      feed(worker);
    }
  });
}
