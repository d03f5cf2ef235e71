/**
 * Node-only helpers of `@adamw/trainer`: checkpoint files written atomically.
 * Import them from `@adamw/trainer/node`; the main entry stays free of Node
 * modules so that it runs in browsers.
 *
 * @packageDocumentation
 */
import { randomBytes } from 'node:crypto';
import { open, readFile, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Trainer } from './trainer.js';

/**
 * Writes `bytes` to `path` so that readers see either the old file or the
 * new one, never a partial write: the bytes go to a temporary file in the
 * same folder, which is flushed to disk and then renamed over `path`.
 */
export async function writeFileAtomic(path: string, bytes: Uint8Array): Promise<void> {
  if (typeof path !== 'string' || path === '') throw new TypeError(`path must be a non-empty string, got ${String(path)}`);
  if (!(bytes instanceof Uint8Array)) throw new TypeError('bytes must be a Uint8Array');
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  const handle = await open(temp, 'wx');
  try {
    await handle.writeFile(bytes);
    await handle.sync();
  } catch (error) {
    await handle.close();
    await unlink(temp).catch(() => undefined);
    throw error;
  }
  await handle.close();
  try {
    await rename(temp, path);
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    throw error;
  }
}

/** Saves `trainer.checkpoint()` to `path`, atomically (see {@link writeFileAtomic}). */
export async function saveCheckpointFile(trainer: Trainer, path: string): Promise<void> {
  await writeFileAtomic(path, trainer.checkpoint());
}

/** Reads a checkpoint file and restores it into `trainer` (which is left unchanged when the file does not fit). */
export async function loadCheckpointFile(trainer: Trainer, path: string): Promise<void> {
  const bytes = await readFile(path);
  trainer.restore(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
}
