import type { SGDWState } from '../sgdw/sgdw.js';
import type { AdamWState, FloatArray } from '../types.js';
import { assertFloatArray, assertSameShape, assertStep } from '../validate.js';
import { packArrays, unpackArrays, type Json } from './archive.js';

/**
 * Encodes an AdamW state: versioned and CRC-32 checksummed; every float and
 * the step count (up to 2^53) round-trip exactly.
 */
export function serializeAdamWState(state: AdamWState<FloatArray>): Uint8Array {
  assertStep(state?.step, 'state.step');
  assertFloatArray(state.m, 'state.m');
  assertSameShape(state.v, 'state.v', state.m, 'state.m');
  const arrays: Record<string, FloatArray> = { m: state.m, v: state.v };
  if (state.vMax !== undefined) {
    assertSameShape(state.vMax, 'state.vMax', state.m, 'state.m');
    arrays.vMax = state.vMax;
  }
  return packArrays({ kind: 'adamw-state', meta: { step: state.step }, arrays });
}

/** Decodes {@link serializeAdamWState}'s bytes; corrupt, truncated or foreign bytes throw a clear Error. */
export function deserializeAdamWState(bytes: Uint8Array): AdamWState<FloatArray> {
  const { meta, arrays } = unpackArrays(bytes, 'adamw-state');
  const step = (meta as { step?: unknown } | null)?.step;
  assertStep(step, 'the stored step');
  const { m, v, vMax } = arrays;
  if (!m || !v) throw new Error('corrupt adamw-state archive: m or v is missing');
  const state: AdamWState<FloatArray> = { step, m, v };
  if (vMax) state.vMax = vMax;
  return state;
}

/** An optimizer state of either kind, as stored in a checkpoint. */
export type OptimizerState<T extends FloatArray = FloatArray> = AdamWState<T> | SGDWState<T>;

/** Parameters and their optimizer states by name, with JSON metadata: a whole training checkpoint. */
export interface Checkpoint<T extends FloatArray = FloatArray> {
  params: Record<string, T>;
  states: Record<string, OptimizerState<T>>;
  meta?: Json;
}

const STATE_FIELDS = ['m', 'v', 'vMax', 'momentumBuffer'] as const;

/** Encodes a {@link Checkpoint} in one checksummed archive (kind `'adamw-checkpoint'`). */
export function serializeCheckpoint(checkpoint: Checkpoint): Uint8Array {
  const arrays: Record<string, FloatArray> = {};
  const steps: Record<string, number> = {};
  for (const [name, p] of Object.entries(checkpoint.params)) {
    assertFloatArray(p, `params['${name}']`);
    arrays[`param/${name}`] = p;
  }
  for (const [name, s] of Object.entries(checkpoint.states)) {
    assertStep(s?.step, `states['${name}'].step`);
    steps[name] = s.step;
    for (const field of STATE_FIELDS) {
      const a = (s as Partial<Record<(typeof STATE_FIELDS)[number], FloatArray>>)[field];
      if (a !== undefined) {
        assertFloatArray(a, `states['${name}'].${field}`);
        arrays[`state/${name}/${field}`] = a;
      }
    }
  }
  return packArrays({ kind: 'adamw-checkpoint', meta: { steps, user: checkpoint.meta ?? null }, arrays });
}

/** Decodes {@link serializeCheckpoint}'s bytes, rejecting corrupt or foreign ones with a clear Error. */
export function deserializeCheckpoint(bytes: Uint8Array): Checkpoint {
  const { meta, arrays } = unpackArrays(bytes, 'adamw-checkpoint');
  const { steps, user } = meta as { steps: Record<string, number>; user: Json };
  const params: Record<string, FloatArray> = {};
  const states: Record<string, OptimizerState> = {};
  for (const [name, step] of Object.entries(steps)) states[name] = { step } as OptimizerState;
  for (const [key, a] of Object.entries(arrays)) {
    if (key.startsWith('param/')) {
      params[key.slice(6)] = a;
      continue;
    }
    const slash = key.lastIndexOf('/');
    const name = key.slice(6, slash);
    const field = key.slice(slash + 1);
    const s = states[name];
    if (!key.startsWith('state/') || !s || !(STATE_FIELDS as readonly string[]).includes(field)) {
      throw new Error(`corrupt adamw-checkpoint archive: unexpected array '${key}'`);
    }
    (s as unknown as Record<string, FloatArray>)[field] = a;
  }
  const checkpoint: Checkpoint = { params, states };
  if (user !== null) checkpoint.meta = user;
  return checkpoint;
}
