/**
 * The Node entry of `@adamw/onnxruntime`: `createOrtTrainer` with
 * `onnxruntime-node` as its default runtime and model files read from disk,
 * and checkpoint and model files written atomically. The main entry
 * (`@adamw/onnxruntime`) runs everywhere ONNX Runtime does, browsers
 * included, and imports nothing from Node; this one is for Node only.
 *
 * @packageDocumentation
 */
import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '@adamw/core/node';
import type { ExportOptions } from './trainer/forward.js';
import type { OrtModule } from './trainer/ort-module.js';
import { createOrtTrainer as createTrainer, type OrtTrainer, type OrtTrainerOptions } from './trainer/trainer.js';

export type { ExportOptions, OrtModule, OrtTrainer, OrtTrainerOptions };

/** Options of the Node entry's {@link createOrtTrainer}. */
export interface NodeOrtTrainerOptions extends Omit<OrtTrainerOptions, 'model'> {
  /** The forward ONNX model whose output is the scalar loss: its bytes, or the path of the `.onnx` file. */
  model: Uint8Array | string;
}

/** `onnxruntime-node`, imported when first asked for: the default `ort` of this entry. */
export async function loadOnnxruntimeNode(): Promise<OrtModule> {
  let mod: OrtModule & { default?: OrtModule };
  try {
    mod = (await import('onnxruntime-node')) as unknown as OrtModule & { default?: OrtModule };
  } catch (e) {
    throw new Error(
      `cannot load onnxruntime-node (${(e as Error).message}): install it (npm install onnxruntime-node) or pass options.ort, for example onnxruntime-web, which runs in Node too`,
    );
  }
  return mod.InferenceSession ? mod : mod.default!;
}

async function readBytes(path: string, what: string): Promise<Uint8Array> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (e) {
    throw new Error(`cannot read the ${what} '${path}': ${(e as Error).message}`);
  }
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * `createOrtTrainer` of the main entry, for Node: `ort` defaults to
 * `onnxruntime-node`, and `model` may be the path of an `.onnx` file.
 *
 * @example
 * ```ts
 * import { createOrtTrainer, saveCheckpointFile } from '@adamw/onnxruntime/node';
 *
 * const trainer = await createOrtTrainer({ model: 'model.onnx', optimizer: { lr: 1e-3, weightDecay: 0.01 } });
 * ```
 */
export async function createOrtTrainer(options: NodeOrtTrainerOptions): Promise<OrtTrainer> {
  if (options === null || typeof options !== 'object') return createTrainer(options as unknown as OrtTrainerOptions);
  const model = typeof options.model === 'string' ? await readBytes(options.model, 'ONNX model') : options.model;
  const ort = options.ort ?? (await loadOnnxruntimeNode());
  return createTrainer({ ...options, model, ort });
}

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
  trainer.loadCheckpoint(await readBytes(path, 'checkpoint'));
}

/**
 * Writes `trainer.exportModel(options)` (the forward model with the trained
 * values, loadable by any ONNX Runtime) to `path` atomically.
 */
export async function saveModelFile(trainer: OrtTrainer, path: string, options?: ExportOptions): Promise<void> {
  await writeFileAtomic(path, trainer.exportModel(options));
}
