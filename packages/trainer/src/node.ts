/**
 * Node-only helpers of `@adamw/trainer`: checkpoint files written atomically,
 * and worker threads that share the matrix products (`createMatmulWorkers`).
 * Import them from `@adamw/trainer/node`; the main entry stays free of Node
 * modules so that it runs in browsers.
 *
 * @packageDocumentation
 */
import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '@adamw/core/node';
import type { Trainer } from './trainer.js';

export { writeFileAtomic };
export { createMatmulWorkers, type MatmulWorkersOptions } from './parallel/matmul-workers.js';
export type { MatmulWorkers } from './simd/threads.js';

/** Saves `trainer.checkpoint()` to `path`, atomically (see {@link writeFileAtomic}). */
export async function saveCheckpointFile(trainer: Trainer, path: string): Promise<void> {
  await writeFileAtomic(path, trainer.checkpoint());
}

/** Reads a checkpoint file and restores it into `trainer` (which is left unchanged when the file does not fit). */
export async function loadCheckpointFile(trainer: Trainer, path: string): Promise<void> {
  const bytes = await readFile(path);
  trainer.restore(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
}
