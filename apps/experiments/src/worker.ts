// A worker thread of the grid: it receives the data once (shared memory, no
// copy) and then trains one cell per message.
import { parentPort, workerData } from 'node:worker_threads';
import { runCell, type CellConfig, type CellJob, type CellResult } from './cell.js';
import type { MnistData } from './mnist.js';

export interface WorkerInit {
  config: CellConfig;
  data: MnistData;
}

/** Messages from a worker to the pool. */
export type WorkerMessage =
  { type: 'epoch'; id: number; epoch: number } | { type: 'result'; id: number; result: CellResult } | { type: 'error'; id: number; message: string };

const port = parentPort;
if (port === null) throw new Error('worker.js runs as a worker thread of the experiment');
const { config, data } = workerData as WorkerInit;

port.on('message', (job: CellJob) => {
  try {
    const result = runCell(job, config, data, (epoch) => port.postMessage({ type: 'epoch', id: job.id, epoch } satisfies WorkerMessage));
    port.postMessage({ type: 'result', id: job.id, result } satisfies WorkerMessage);
  } catch (error) {
    port.postMessage({ type: 'error', id: job.id, message: error instanceof Error ? (error.stack ?? error.message) : String(error) } satisfies WorkerMessage);
  }
});
