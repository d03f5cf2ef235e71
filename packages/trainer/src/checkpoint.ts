import { deserializeCheckpoint, serializeCheckpoint, type Checkpoint, type Json, type OptimizerState } from '@adamw/core';
import { describe } from './check.js';
import { Prng } from './prng.js';
import type { Trainer, TrainerProgress } from './trainer.js';
import { arrayTypeOf, type FloatArray } from './types.js';

/** The `format` of the metadata a trainer checkpoint carries. */
export const TRAINER_CHECKPOINT_FORMAT = 'adamw-trainer/1';

/** What a trainer checkpoint's metadata holds, besides the arrays. */
export interface TrainerCheckpointMeta {
  format: typeof TRAINER_CHECKPOINT_FORMAT;
  model: { layers: number[]; activation: string; dtype: string };
  loss: string;
  optimizer: { kind: string; options: Json };
  batchSize: number;
  shuffle: boolean;
  dropLast: boolean;
  progress: TrainerProgress;
}

/** @internal */
export function encodeTrainerCheckpoint(trainer: Trainer, progress: TrainerProgress): Uint8Array {
  const { model, optimizerSpec, optimizer } = trainer;
  const meta: TrainerCheckpointMeta = {
    format: TRAINER_CHECKPOINT_FORMAT,
    model: { layers: [...model.layers], activation: model.activation, dtype: model.dtype },
    loss: trainer.loss,
    optimizer: { kind: optimizerSpec.kind, options: JSON.parse(JSON.stringify(optimizerSpec.options)) as Json },
    batchSize: trainer.batchSize,
    shuffle: trainer.shuffle,
    dropLast: trainer.dropLast,
    progress: { ...progress, rng: [...progress.rng], epochRng: [...progress.epochRng] },
  };
  return serializeCheckpoint({ params: { ...model.params }, states: optimizer.states, meta: meta as unknown as Json });
}

/**
 * Reads the metadata of a trainer checkpoint without loading it (to see
 * where a run stopped, or which model it needs).
 */
export function readCheckpointMeta(bytes: Uint8Array): TrainerCheckpointMeta {
  return metaOf(deserializeCheckpoint(bytes));
}

function metaOf(checkpoint: Checkpoint): TrainerCheckpointMeta {
  const meta = checkpoint.meta as Partial<TrainerCheckpointMeta> | undefined;
  if (meta === undefined || meta === null || typeof meta !== 'object' || meta.format !== TRAINER_CHECKPOINT_FORMAT) {
    throw new Error(`not a trainer checkpoint: its metadata format is ${describe((meta as { format?: unknown } | undefined)?.format)}, expected '${TRAINER_CHECKPOINT_FORMAT}'`);
  }
  return meta as TrainerCheckpointMeta;
}

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

/** Checks a checkpoint against a trainer and returns what to load; changes nothing. @internal */
export function decodeTrainerCheckpoint(
  trainer: Trainer,
  bytes: Uint8Array,
): { params: Record<string, FloatArray>; states: Record<string, OptimizerState>; progress: TrainerProgress } {
  const checkpoint = deserializeCheckpoint(bytes);
  const meta = metaOf(checkpoint);
  const { model, optimizerSpec, optimizer } = trainer;
  const expectedModel = { layers: [...model.layers], activation: model.activation, dtype: model.dtype };
  if (!same(meta.model, expectedModel)) {
    throw new RangeError(`the checkpoint is of model ${JSON.stringify(meta.model)}, but this trainer's model is ${JSON.stringify(expectedModel)}`);
  }
  if (meta.loss !== trainer.loss) throw new RangeError(`the checkpoint was trained with loss '${meta.loss}', this trainer uses '${trainer.loss}'`);
  if (meta.optimizer?.kind !== optimizerSpec.kind) {
    throw new RangeError(`the checkpoint holds '${meta.optimizer?.kind}' optimizer state, but this trainer's optimizer is '${optimizerSpec.kind}'`);
  }
  const progress = checkProgress(meta.progress);
  if (progress.batchInEpoch > 0) {
    // Inside an epoch, the batches still to come depend on these.
    for (const key of ['batchSize', 'shuffle', 'dropLast'] as const) {
      if (meta[key] !== trainer[key]) {
        throw new RangeError(`the checkpoint stopped inside an epoch with ${key} ${String(meta[key])}; this trainer has ${String(trainer[key])}, so the epoch could not be resumed`);
      }
    }
  }
  const Ctor = arrayTypeOf(model.dtype);
  const names = Object.keys(model.params);
  for (const name of Object.keys(checkpoint.params)) {
    if (!names.includes(name)) throw new RangeError(`the checkpoint has parameter '${name}', which this model does not have`);
  }
  for (const name of names) {
    const p = checkpoint.params[name];
    const like = model.params[name]!;
    if (p === undefined) throw new RangeError(`the checkpoint has no parameter '${name}'`);
    checkArray(p, `parameter '${name}'`, like, Ctor);
  }
  optimizer.checkState({ stepCount: progress.step, states: checkpoint.states });
  return { params: checkpoint.params, states: checkpoint.states, progress };
}

function checkArray(a: FloatArray, what: string, like: FloatArray, Ctor: Float32ArrayConstructor | Float64ArrayConstructor): void {
  if (!(a instanceof Ctor)) throw new TypeError(`the checkpoint's ${what} is a ${a.constructor.name}, but the model is ${Ctor.name}`);
  if (a.length !== like.length) throw new RangeError(`the checkpoint's ${what} has ${a.length} values, the model has ${like.length}`);
}

function checkProgress(p: unknown): TrainerProgress {
  const bad = (what: string): never => {
    throw new Error(`corrupt trainer checkpoint: progress.${what} is invalid`);
  };
  if (p === null || typeof p !== 'object') return bad('(all)');
  const q = p as Record<string, unknown>;
  for (const key of ['epoch', 'batchInEpoch', 'step', 'rows', 'epochRows'] as const) {
    if (!Number.isInteger(q[key]) || (q[key] as number) < 0) bad(key);
  }
  if (typeof q.epochLossSum !== 'number') bad('epochLossSum');
  for (const key of ['rng', 'epochRng'] as const) {
    try {
      Prng.fromState(q[key] as number[]);
    } catch {
      bad(key);
    }
  }
  const r = p as TrainerProgress;
  return { ...r, rng: [...r.rng], epochRng: [...r.epochRng] };
}
