import type { AdamWOptions } from '@adamw/core';
import { boolean, fail, knownKeys, number, numbers, object, string, strings } from './fields';

/**
 * A trajectory's optimizer: `@adamw/core`'s AdamW options (those absent take
 * core's defaults, which are torch's), the names trained without weight
 * decay and η of every step.
 */
export interface FixtureOptimizer extends Omit<AdamWOptions, 'scheduleMultiplier' | 'nonFinite'> {
  /** Parameter names trained with weight decay 0. Default `[]`: every parameter decays (one torch parameter group). */
  noDecay: string[];
  /** η of each step (the LambdaLR factor). Default: 1 for every step. */
  scheduleMultipliers: number[];
}

const NUMBERS = ['lr', 'beta1', 'beta2', 'eps', 'weightDecay', 'epsRoot'] as const;
const BOOLEANS = ['amsgrad', 'maximize', 'biasCorrection'] as const;
const CHOICES = {
  decay: ['decoupled', 'l2'],
  decayScale: ['lr', 'schedule'],
  convention: ['torch', 'optax', 'keras', 'huggingface'],
} as const;
const KNOWN = [...NUMBERS, ...BOOLEANS, ...Object.keys(CHOICES), 'noDecay', 'scheduleMultipliers'];

/**
 * Reads the optimizer of a trajectory of `steps` steps. A missing `noDecay`
 * is `[]` and a missing `scheduleMultipliers` is 1 for every step; anything
 * present must have the right type (and one multiplier per step), or the
 * error names the field.
 */
export function readOptimizer(value: unknown, field: string, steps: number): FixtureOptimizer {
  const o = object(value, field);
  knownKeys(o, field, KNOWN);
  const out: Record<string, unknown> = {};
  for (const k of NUMBERS) if (o[k] !== undefined) out[k] = number(o[k], `${field}.${k}`);
  for (const k of BOOLEANS) if (o[k] !== undefined) out[k] = boolean(o[k], `${field}.${k}`);
  for (const [k, allowed] of Object.entries(CHOICES)) {
    if (o[k] === undefined) continue;
    const v = string(o[k], `${field}.${k}`);
    if (!(allowed as readonly string[]).includes(v)) fail(`${field}.${k}`, `'${v}' is not one of ${allowed.join(', ')}`);
    out[k] = v;
  }
  out.noDecay = o.noDecay === undefined ? [] : strings(o.noDecay, `${field}.noDecay`);
  if (o.scheduleMultipliers === undefined) {
    out.scheduleMultipliers = new Array<number>(steps).fill(1);
  } else {
    const m = numbers(o.scheduleMultipliers, `${field}.scheduleMultipliers`);
    if (m.length !== steps) fail(`${field}.scheduleMultipliers`, `${m.length} values for ${steps} steps`);
    out.scheduleMultipliers = m;
  }
  return out as unknown as FixtureOptimizer;
}

/** Just the AdamW options (without `noDecay` and `scheduleMultipliers`). */
export function adamwFieldsOf(o: FixtureOptimizer): Omit<FixtureOptimizer, 'noDecay' | 'scheduleMultipliers'> {
  const { noDecay: _noDecay, scheduleMultipliers: _multipliers, ...rest } = o;
  return rest;
}
