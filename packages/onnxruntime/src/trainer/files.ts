import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '@adamw/core/node';
import type { OrtTrainer } from './trainer.js';

/**
 * Saves `trainer.saveCheckpoint()` to `path` atomically: a crash mid-save
 * leaves the previous checkpoint file intact (see `writeFileAtomic` in
 * `@adamw/core/node`).
 */
export async function saveCheckpointFile(trainer: OrtTrainer, path: string): Promise<void> {
  await writeFileAtomic(path, trainer.saveCheckpoint());
}

/**
 * Reads a checkpoint file and restores it into `trainer`; a file that is
 * truncated, corrupted or made for another model is rejected and the trainer
 * is left unchanged.
 */
export async function loadCheckpointFile(trainer: OrtTrainer, path: string): Promise<void> {
  const bytes = await readFile(path);
  trainer.loadCheckpoint(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
}
