import { deserializeCheckpoint, serializeCheckpoint, type AdamWState, type Json, type OptimizerState } from '@adamw/core';
import type { TrainingModel } from '../autodiff/build.js';
import type { ParameterArray } from './trainer.js';

/** The `meta.format` of the trainer's checkpoints; bumped when their layout changes. */
export const CHECKPOINT_FORMAT = 'adamw-onnxruntime-checkpoint/1';

interface CheckpointMeta {
  format: string;
  stepCount: number;
  loss: string;
  parameters: { name: string; dims: number[] }[];
  /** Running statistics (BatchNormalization), stored beside the parameters without optimizer state. */
  buffers?: string[];
}

/** Parameters, AdamW states, running statistics and the trainer's step count in core's checksummed archive. */
export function writeCheckpoint(
  training: TrainingModel,
  params: Readonly<Record<string, ParameterArray>>,
  states: Readonly<Record<string, AdamWState<ParameterArray>>>,
  stepCount: number,
  buffers: Readonly<Record<string, ParameterArray>> = {},
): Uint8Array {
  const meta: CheckpointMeta = {
    format: CHECKPOINT_FORMAT,
    stepCount,
    loss: training.loss,
    parameters: training.parameters.map((p) => ({ name: p.name, dims: p.dims })),
  };
  const bufferNames = Object.keys(buffers);
  if (bufferNames.length > 0) meta.buffers = bufferNames;
  return serializeCheckpoint({ params: { ...params, ...buffers }, states: { ...states }, meta: meta as unknown as Json });
}

/** The shapes a checkpoint's metadata records, by parameter name. */
function dimsByName(list: unknown): Map<string, number[]> {
  const out = new Map<string, number[]>();
  if (!Array.isArray(list)) throw new Error('corrupt checkpoint: it has no list of parameter shapes');
  for (const entry of list as unknown[]) {
    const { name, dims } = (entry ?? {}) as { name?: unknown; dims?: unknown };
    if (typeof name !== 'string' || !Array.isArray(dims) || !dims.every((d) => Number.isSafeInteger(d) && (d as number) >= 0)) {
      throw new Error(`corrupt checkpoint: parameter shape entry ${JSON.stringify(entry)} is invalid`);
    }
    out.set(name, dims as number[]);
  }
  return out;
}

function sameKind(a: ParameterArray, b: ParameterArray): boolean {
  return a.constructor === b.constructor && a.length === b.length;
}

function kindOf(a: unknown): string {
  if (a instanceof Float32Array) return `Float32Array(${a.length})`;
  if (a instanceof Float64Array) return `Float64Array(${a.length})`;
  return a === undefined ? 'nothing' : typeof a;
}

/**
 * Decodes and checks a checkpoint's format and parameters against the
 * trainer's (names, types, lengths) without changing anything; returns the
 * values to copy in. The optimizer checks the states.
 */
export function restoreCheckpoint(
  bytes: Uint8Array,
  training: TrainingModel,
  params: Readonly<Record<string, ParameterArray>>,
  buffers: Readonly<Record<string, ParameterArray>> = {},
): { params: Record<string, ParameterArray>; states: Record<string, OptimizerState>; stepCount: number; buffers: Record<string, ParameterArray> } {
  if (!(bytes instanceof Uint8Array)) throw new TypeError('a checkpoint must be a Uint8Array');
  const checkpoint = deserializeCheckpoint(bytes);
  const meta = checkpoint.meta as Partial<CheckpointMeta> | undefined;
  if (meta?.format !== CHECKPOINT_FORMAT) {
    throw new Error(`not an @adamw/onnxruntime checkpoint (format ${JSON.stringify(meta?.format)}, expected ${CHECKPOINT_FORMAT})`);
  }
  if (!Number.isSafeInteger(meta.stepCount) || meta.stepCount! < 0) throw new Error(`corrupt checkpoint: step count ${meta.stepCount}`);
  const storedBuffers = new Set(Array.isArray(meta.buffers) ? meta.buffers : []);
  const mineBuffers = Object.keys(buffers);
  const missingBuffers = mineBuffers.filter((n) => !storedBuffers.has(n));
  const extraBuffers = [...storedBuffers].filter((n) => !(n in buffers));
  if (missingBuffers.length > 0 || extraBuffers.length > 0) {
    throw new Error(
      `the checkpoint's running statistics do not match this model: ${[missingBuffers.length ? `missing ${missingBuffers.join(', ')}` : '', extraBuffers.length ? `unknown ${extraBuffers.join(', ')}` : ''].filter((m) => m).join('; ')}`,
    );
  }
  const restoredBuffers: Record<string, ParameterArray> = {};
  for (const name of mineBuffers) {
    const theirs = checkpoint.params[name];
    if (theirs === undefined || !sameKind(buffers[name]!, theirs))
      throw new Error(`checkpoint running statistic '${name}' is ${kindOf(theirs)}, but the model's is ${kindOf(buffers[name])}`);
    restoredBuffers[name] = theirs;
    delete checkpoint.params[name];
  }
  const expected = training.parameters.map((p) => p.name);
  const stored = Object.keys(checkpoint.params);
  const missing = expected.filter((n) => !Object.hasOwn(checkpoint.params, n));
  const extra = stored.filter((n) => !expected.includes(n));
  if (missing.length > 0 || extra.length > 0) {
    throw new Error(
      `the checkpoint's parameters do not match this model: ${missing.length ? `missing ${missing.join(', ')}` : ''}${missing.length && extra.length ? '; ' : ''}${extra.length ? `unknown ${extra.join(', ')}` : ''}`,
    );
  }
  const storedDims = dimsByName(meta.parameters);
  for (const { name, dims } of training.parameters) {
    const mine = params[name]!;
    const theirs = checkpoint.params[name]!;
    if (!sameKind(mine, theirs)) throw new Error(`checkpoint parameter '${name}' is ${kindOf(theirs)}, but the model's is ${kindOf(mine)}`);
    // Equal lengths are not enough: a [4, 6] matrix read as [6, 4] is another matrix.
    const saved = storedDims.get(name);
    if (saved === undefined) throw new Error(`corrupt checkpoint: its list of parameters has no shape for '${name}'`);
    if (saved.length !== dims.length || saved.some((d, i) => d !== dims[i])) {
      throw new Error(`checkpoint parameter '${name}' has shape [${saved.join(', ')}], but the model's is [${dims.join(', ')}]`);
    }
  }
  return { params: checkpoint.params as Record<string, ParameterArray>, states: checkpoint.states, stepCount: meta.stepCount!, buffers: restoredBuffers };
}
