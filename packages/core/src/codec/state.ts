import type { SGDWState } from '../sgdw/sgdw.js';
import type { AdamWState, FloatArray } from '../types.js';
import { assertFloatArray, assertSameShape, assertStep, dtypeOf } from '../validate.js';
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

/** An Error for an archive of `kind` whose contents make no sense. */
const corrupt = (kind: string, message: string): Error => new Error(`corrupt ${kind} archive: ${message}`);

/** Runs `check`, turning what it throws into a corrupt-archive Error of `kind`. */
function asCorrupt(kind: string, check: () => void): void {
  try {
    check();
  } catch (error) {
    throw corrupt(kind, (error as Error).message);
  }
}

/** A metadata value that must be a JSON object. */
const isRecord = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value);

/**
 * Decodes {@link serializeAdamWState}'s bytes; corrupt, truncated or foreign
 * bytes, and states whose moments differ in type or length, throw a clear Error.
 */
export function deserializeAdamWState(bytes: Uint8Array): AdamWState<FloatArray> {
  const kind = 'adamw-state';
  const { meta, arrays } = unpackArrays(bytes, kind);
  if (!isRecord(meta)) throw corrupt(kind, 'the metadata holds no step count');
  const step = meta.step;
  asCorrupt(kind, () => assertStep(step, 'the stored step'));
  for (const name of Object.keys(arrays)) {
    if (name !== 'm' && name !== 'v' && name !== 'vMax') throw corrupt(kind, `unexpected array '${name}'`);
  }
  const { m, v, vMax } = arrays;
  if (!m || !v) throw corrupt(kind, 'm or v is missing');
  asCorrupt(kind, () => {
    checkSameArray(v, 'v', m, 'm');
    if (vMax) checkSameArray(vMax, 'vMax', m, 'm');
  });
  const state: AdamWState<FloatArray> = { step: step as number, m, v };
  if (vMax) state.vMax = vMax;
  return state;
}

/** Like assertSameShape, with "is float64 but … is float32" for a mixed pair. */
function checkSameArray(a: FloatArray, aName: string, like: FloatArray, likeName: string): void {
  if (a.constructor !== like.constructor) throw new TypeError(`${aName} is ${dtypeOf(a)} but ${likeName} is ${dtypeOf(like)}`);
  assertSameShape(a, aName, like, likeName);
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
type StateArrays = Partial<Record<(typeof STATE_FIELDS)[number], FloatArray>>;

/**
 * Names a checkpoint refuses for parameters and states, at save and at load:
 * the names prototype-pollution gadgets walk through (`obj[name]` on an
 * ordinary object reaches its prototype or constructor, and assigning to
 * `__proto__` replaces the prototype). Decoded records have no prototype, so
 * no other inherited name (`toString`, `hasOwnProperty`) can be found in them.
 */
export const RESERVED_NAMES: readonly string[] = Object.freeze(['__proto__', 'constructor', 'prototype']);

function checkName(name: string, what: 'parameter' | 'state'): void {
  if (RESERVED_NAMES.includes(name)) {
    throw new TypeError(`${what} name '${name}' is reserved: names that reach an object's prototype (${RESERVED_NAMES.join(', ')}) cannot be stored`);
  }
}

/** A plain record of names: an object whose prototype is Object.prototype or null (not a class instance nor `{ __proto__: x }`). */
function checkRecord(value: unknown, what: string): asserts value is Record<string, unknown> {
  const proto = isRecord(value) ? (Object.getPrototypeOf(value) as unknown) : undefined;
  if (proto !== Object.prototype && proto !== null) throw new TypeError(`${what} must be a plain record of names`);
}

/**
 * Checks the arrays of one stored state: AdamW's m and v (and vMax) of one
 * type and length, or SGDW's momentum buffer (or nothing), each of the type
 * and length of the parameter of the same name when there is one.
 */
function checkStateArrays(name: string, s: StateArrays, param: FloatArray | undefined): void {
  const label = (field: string) => `states['${name}'].${field}`;
  const { m, v, vMax, momentumBuffer } = s;
  if (m === undefined && (v !== undefined || vMax !== undefined)) {
    throw new TypeError(`states['${name}'] has ${v !== undefined ? 'v' : 'vMax'} but no m`);
  }
  if (m !== undefined && v === undefined) throw new TypeError(`states['${name}'] has m but no v`);
  if (m !== undefined && momentumBuffer !== undefined) throw new TypeError(`states['${name}'] mixes AdamW moments and an SGDW momentum buffer`);
  const first = m ?? momentumBuffer;
  if (m !== undefined) {
    checkSameArray(v!, label('v'), m, label('m'));
    if (vMax !== undefined) checkSameArray(vMax, label('vMax'), m, label('m'));
  }
  if (first !== undefined && param !== undefined) checkSameArray(first, label(m !== undefined ? 'm' : 'momentumBuffer'), param, `params['${name}']`);
}

/**
 * Encodes a {@link Checkpoint} in one checksummed archive (kind
 * `'adamw-checkpoint'`). Refuses, with a TypeError or RangeError naming the
 * entry, what could not be read back: the reserved names `__proto__`,
 * `constructor` and `prototype`, a `__proto__` key in the metadata, and
 * states whose arrays disagree in type or length with each other or with
 * their parameter.
 */
export function serializeCheckpoint(checkpoint: Checkpoint): Uint8Array {
  if (checkpoint === null || typeof checkpoint !== 'object') throw new TypeError('checkpoint must be an object with params and states');
  checkRecord(checkpoint.params, 'checkpoint.params');
  checkRecord(checkpoint.states, 'checkpoint.states');
  const arrays: Record<string, FloatArray> = {};
  const steps: Record<string, number> = {};
  for (const [name, p] of Object.entries(checkpoint.params)) {
    checkName(name, 'parameter');
    assertFloatArray(p, `params['${name}']`);
    arrays[`param/${name}`] = p;
  }
  for (const [name, s] of Object.entries(checkpoint.states)) {
    checkName(name, 'state');
    assertStep(s?.step, `states['${name}'].step`);
    steps[name] = s.step;
    const fields: StateArrays = {};
    for (const field of STATE_FIELDS) {
      const a = (s as StateArrays)[field];
      if (a !== undefined) {
        assertFloatArray(a, `states['${name}'].${field}`);
        fields[field] = a;
        arrays[`state/${name}/${field}`] = a;
      }
    }
    checkStateArrays(name, fields, Object.hasOwn(checkpoint.params, name) ? checkpoint.params[name] : undefined);
  }
  return packArrays({ kind: 'adamw-checkpoint', meta: { steps, user: checkpoint.meta ?? null }, arrays });
}

/**
 * Decodes {@link serializeCheckpoint}'s bytes, rejecting corrupt or foreign
 * ones with a clear Error, as well as everything `serializeCheckpoint`
 * refuses. `params` and `states` are records without a prototype.
 */
export function deserializeCheckpoint(bytes: Uint8Array): Checkpoint {
  const kind = 'adamw-checkpoint';
  const { meta, arrays } = unpackArrays(bytes, kind);
  const steps = isRecord(meta) ? meta.steps : undefined;
  if (!isRecord(steps)) throw corrupt(kind, 'the metadata has no step counts');
  const user = (meta as Record<string, unknown>).user as Json | undefined;
  const params = Object.create(null) as Record<string, FloatArray>;
  const states = Object.create(null) as Record<string, OptimizerState>;
  const fields = Object.create(null) as Record<string, StateArrays>;
  for (const [name, step] of Object.entries(steps)) {
    asCorrupt(kind, () => checkName(name, 'state'));
    asCorrupt(kind, () => assertStep(step, `the stored step of '${name}'`));
    states[name] = { step: step as number } as OptimizerState;
    fields[name] = {};
  }
  for (const [key, a] of Object.entries(arrays)) {
    if (key.startsWith('param/')) {
      const name = key.slice(6);
      asCorrupt(kind, () => checkName(name, 'parameter'));
      params[name] = a;
      continue;
    }
    const slash = key.lastIndexOf('/');
    const name = key.slice(6, slash);
    const field = key.slice(slash + 1);
    if (!key.startsWith('state/') || slash < 6) throw corrupt(kind, `unexpected array '${key}'`);
    asCorrupt(kind, () => checkName(name, 'state'));
    if (!Object.hasOwn(states, name) || !(STATE_FIELDS as readonly string[]).includes(field)) {
      throw corrupt(kind, `unexpected array '${key}'`);
    }
    fields[name]![field as (typeof STATE_FIELDS)[number]] = a;
    (states[name] as unknown as Record<string, FloatArray>)[field] = a;
  }
  for (const name of Object.keys(states)) asCorrupt(kind, () => checkStateArrays(name, fields[name]!, params[name]));
  const checkpoint: Checkpoint = { params, states };
  if (user !== null && user !== undefined) checkpoint.meta = user;
  return checkpoint;
}
