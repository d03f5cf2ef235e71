import { deserializeCheckpoint, serializeCheckpoint, type AdamWState, type Json } from '@adamw/core';
import type { TrainingModel } from '../autodiff/build.js';
import type { ParameterArray } from './trainer.js';

/** The `meta.format` of the trainer's checkpoints; bumped when their layout changes. */
export const CHECKPOINT_FORMAT = 'adamw-onnxruntime-checkpoint/1';

interface CheckpointMeta {
  format: string;
  stepCount: number;
  loss: string;
  parameters: { name: string; dims: number[] }[];
}

/** Parameters, AdamW states and the trainer's step count in core's checksummed archive. */
export function writeCheckpoint(
  training: TrainingModel,
  params: Readonly<Record<string, ParameterArray>>,
  states: Readonly<Record<string, AdamWState<ParameterArray>>>,
  stepCount: number,
): Uint8Array {
  const meta: CheckpointMeta = {
    format: CHECKPOINT_FORMAT,
    stepCount,
    loss: training.loss,
    parameters: training.parameters.map((p) => ({ name: p.name, dims: p.dims })),
  };
  return serializeCheckpoint({ params: { ...params }, states: { ...states }, meta: meta as unknown as Json });
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
 * Decodes and checks a checkpoint against the trainer's parameters and
 * states (names, types, lengths, which moments exist) without changing
 * anything; returns the values to copy in.
 */
export function restoreCheckpoint(
  bytes: Uint8Array,
  training: TrainingModel,
  params: Readonly<Record<string, ParameterArray>>,
  states: Readonly<Record<string, AdamWState<ParameterArray>>>,
): { params: Record<string, ParameterArray>; states: Record<string, AdamWState<ParameterArray>>; stepCount: number } {
  if (!(bytes instanceof Uint8Array)) throw new TypeError('a checkpoint must be a Uint8Array');
  const checkpoint = deserializeCheckpoint(bytes);
  const meta = checkpoint.meta as Partial<CheckpointMeta> | undefined;
  if (meta?.format !== CHECKPOINT_FORMAT) {
    throw new Error(`not an @adamw/onnxruntime checkpoint (format ${JSON.stringify(meta?.format)}, expected ${CHECKPOINT_FORMAT})`);
  }
  if (!Number.isSafeInteger(meta.stepCount) || meta.stepCount! < 0) throw new Error(`corrupt checkpoint: step count ${meta.stepCount}`);
  const expected = training.parameters.map((p) => p.name);
  const stored = Object.keys(checkpoint.params);
  const missing = expected.filter((n) => !(n in checkpoint.params));
  const extra = stored.filter((n) => !expected.includes(n));
  if (missing.length > 0 || extra.length > 0) {
    throw new Error(
      `the checkpoint's parameters do not match this model: ${missing.length ? `missing ${missing.join(', ')}` : ''}${missing.length && extra.length ? '; ' : ''}${extra.length ? `unknown ${extra.join(', ')}` : ''}`,
    );
  }
  const outStates: Record<string, AdamWState<ParameterArray>> = {};
  for (const name of expected) {
    const mine = params[name]!;
    const theirs = checkpoint.params[name]!;
    if (!sameKind(mine, theirs)) throw new Error(`checkpoint parameter '${name}' is ${kindOf(theirs)}, but the model's is ${kindOf(mine)}`);
    const s = checkpoint.states[name] as AdamWState<ParameterArray> | undefined;
    if (s === undefined || !('v' in s)) throw new Error(`the checkpoint has no AdamW state for '${name}'`);
    for (const field of ['m', 'v'] as const) {
      if (!(s[field] instanceof Float32Array || s[field] instanceof Float64Array) || !sameKind(mine, s[field])) {
        throw new Error(`checkpoint state '${name}'.${field} is ${kindOf(s[field])}, expected ${kindOf(mine)}`);
      }
    }
    const wantsMax = states[name]!.vMax !== undefined;
    if (wantsMax !== (s.vMax !== undefined)) {
      throw new Error(`checkpoint state '${name}' ${wantsMax ? 'lacks' : 'has'} an AMSGrad maximum, but the optimizer ${wantsMax ? 'uses' : 'does not use'} AMSGrad`);
    }
    if (s.vMax !== undefined && !sameKind(mine, s.vMax)) throw new Error(`checkpoint state '${name}'.vMax is ${kindOf(s.vMax)}, expected ${kindOf(mine)}`);
    outStates[name] = s;
  }
  return { params: checkpoint.params as Record<string, ParameterArray>, states: outStates, stepCount: meta.stepCount! };
}
