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
    // JSON has no NaN or ±Infinity: a non-finite loss sum (a NaN batch skipped or propagated) is stored as its name.
    progress: { ...progress, rng: [...progress.rng], epochRng: [...progress.epochRng], epochLossSum: encodeNumber(progress.epochLossSum) as number },
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
    throw new Error(
      `not a trainer checkpoint: its metadata format is ${describe((meta as { format?: unknown } | undefined)?.format)}, expected '${TRAINER_CHECKPOINT_FORMAT}'`,
    );
  }
  const progress = (meta as { progress?: unknown }).progress;
  if (progress !== null && typeof progress === 'object') {
    const q = progress as { epochLossSum?: unknown };
    q.epochLossSum = decodeNumber(q.epochLossSum);
  }
  return meta as TrainerCheckpointMeta;
}

function encodeNumber(x: number): number | string {
  return Number.isFinite(x) ? x : String(x);
}

/**
 * A number stored by {@link encodeNumber}; `null` is read as NaN, which is
 * what `JSON.stringify` made of one before non-finite values were named.
 */
function decodeNumber(x: unknown): unknown {
  if (x === null || x === 'NaN') return Number.NaN;
  if (x === 'Infinity') return Number.POSITIVE_INFINITY;
  if (x === '-Infinity') return Number.NEGATIVE_INFINITY;
  return x;
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
  const progress = settleEpoch(checkProgress(meta.progress), meta);
  if (progress.batchInEpoch > 0) {
    // Inside an epoch, the batches still to come depend on these.
    for (const key of ['batchSize', 'shuffle', 'dropLast'] as const) {
      if (meta[key] !== trainer[key]) {
        throw new RangeError(
          `the checkpoint stopped inside an epoch with ${key} ${String(meta[key])}; this trainer has ${String(trainer[key])}, so the epoch could not be resumed`,
        );
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

/**
 * The position of a checkpoint whose every batch of the epoch is done as the
 * finished epoch (what an `onStep` that threw on the last batch left in
 * earlier versions). A position past the epoch's end is refused.
 */
function settleEpoch(p: TrainerProgress, meta: TrainerCheckpointMeta): TrainerProgress {
  if (p.batchInEpoch === 0) return p;
  const { batchSize, dropLast, shuffle } = meta;
  if (!Number.isInteger(batchSize) || batchSize < 1 || typeof dropLast !== 'boolean' || typeof shuffle !== 'boolean') {
    throw new Error('corrupt trainer checkpoint: batchSize, dropLast or shuffle is invalid');
  }
  const batches = dropLast ? Math.floor(p.rows / batchSize) : Math.ceil(p.rows / batchSize);
  if (p.batchInEpoch < batches) return p;
  if (p.batchInEpoch > batches) {
    throw new Error(
      `corrupt trainer checkpoint: progress.batchInEpoch is ${p.batchInEpoch}, but an epoch of ${p.rows} rows in batches of ${batchSize} has ${batches} batches`,
    );
  }
  return { ...p, epoch: p.epoch + 1, batchInEpoch: 0, rows: 0, epochLossSum: 0, epochRows: 0, epochRng: shuffle ? p.epochRng : [...p.rng] };
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
