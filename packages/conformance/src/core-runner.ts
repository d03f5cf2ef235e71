import {
  adamwStep,
  adamwStepInPlace,
  initAdamW,
  initSGDW,
  sgdwStep,
  sgdwStepInPlace,
  type AdamWOptions,
  type AdamWState,
  type SGDWOptions,
  type SGDWState,
} from '@adamw/core';
import { CORE_TOLERANCE, deviation, NO_DEVIATION, within, worse, type Deviation, type Tolerance } from './compare';
import { adamwOptionsOf, toTyped, type CoreExpectedStep, type CoreFixture, type FloatArray } from './fixtures';

/** Which entry point of `@adamw/core` to drive: the pure step or the in-place one. */
export type CoreMode = 'pure' | 'inPlace';
export const CORE_MODES: readonly CoreMode[] = ['pure', 'inPlace'];

/** Values after one step, as `@adamw/core` computed them. */
export interface CoreStepValues {
  step: number;
  params: FloatArray;
  m?: FloatArray;
  v?: FloatArray;
  vMax?: FloatArray;
}

/** The multiplier η of step `t` (1-based). */
function multiplierAt(f: CoreFixture, t: number): number {
  return f.scheduleMultipliers?.[t - 1] ?? 1;
}

/** The fixture's AdamW options for step `t` in `@adamw/core`'s terms. */
export function adamwOptionsAt(f: CoreFixture & { optimizer: 'adamw' }, t: number): AdamWOptions {
  const o = f.options;
  return {
    ...adamwOptionsOf(o),
    scheduleMultiplier: multiplierAt(f, t),
  };
}

/** The fixture's SGDW options for step `t` in `@adamw/core`'s terms. */
export function sgdwOptionsAt(f: CoreFixture & { optimizer: 'sgdw' }, t: number): SGDWOptions {
  const o = f.options;
  return {
    lr: o.lr,
    momentum: o.momentum,
    dampening: o.dampening,
    nesterov: o.nesterov,
    weightDecay: o.weightDecay,
    decay: o.decay,
    decayScale: o.decayScale,
    maximize: o.maximize,
    scheduleMultiplier: multiplierAt(f, t),
  };
}

function snapshot(a: FloatArray | undefined): FloatArray | undefined {
  return a === undefined ? undefined : a.slice();
}

function sameBits(a: FloatArray | undefined, b: FloatArray | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false;
  return true;
}

/** Throws when a pure step changed one of its inputs. */
function assertUnchanged(t: number, label: string, before: FloatArray | undefined, after: FloatArray | undefined): void {
  if (!sameBits(before, after)) throw new Error(`step ${t}: the pure step modified its input ${label}`);
}

export interface RunCoreOptions {
  /**
   * In `pure` mode, copy every input before each step and throw when the
   * step changed one of them.
   */
  checkInputsUnchanged?: boolean;
}

/**
 * Replays a core fixture's gradients through `@adamw/core` and returns the
 * values after each step the fixture records (copies, so later steps do not
 * change them).
 */
export function runCoreFixture(f: CoreFixture, mode: CoreMode, options: RunCoreOptions = {}): CoreStepValues[] {
  const guard = mode === 'pure' && options.checkInputsUnchanged === true;
  const recorded = new Set(f.expected.map((e) => e.step));
  const out: CoreStepValues[] = [];
  const grads = f.grads.map((g) => toTyped(g, f.dtype));
  let params = toTyped(f.params, f.dtype);
  if (f.optimizer === 'adamw') {
    let state: AdamWState<FloatArray> = initAdamW(params, adamwOptionsAt(f, 1));
    for (let t = 1; t <= grads.length; t++) {
      const opts = adamwOptionsAt(f, t);
      const g = grads[t - 1]!;
      if (mode === 'pure') {
        const before = guard ? [params.slice(), g.slice(), state.m.slice(), state.v.slice(), snapshot(state.vMax)] : [];
        const prev = { params, state, step: state.step };
        ({ params, state } = adamwStep(params, g, state, opts));
        if (guard) {
          assertUnchanged(t, 'params', before[0], prev.params);
          assertUnchanged(t, 'grads', before[1], g);
          assertUnchanged(t, 'state.m', before[2], prev.state.m);
          assertUnchanged(t, 'state.v', before[3], prev.state.v);
          assertUnchanged(t, 'state.vMax', before[4], prev.state.vMax);
          if (prev.state.step !== prev.step) throw new Error(`step ${t}: the pure step modified state.step`);
        }
      } else {
        adamwStepInPlace(params, g, state, opts);
      }
      if (recorded.has(t)) {
        const rec: CoreStepValues = { step: t, params: params.slice(), m: state.m.slice(), v: state.v.slice() };
        if (state.vMax !== undefined) rec.vMax = state.vMax.slice();
        out.push(rec);
      }
    }
  } else {
    let state: SGDWState<FloatArray> = initSGDW(params, sgdwOptionsAt(f, 1));
    for (let t = 1; t <= grads.length; t++) {
      const opts = sgdwOptionsAt(f, t);
      const g = grads[t - 1]!;
      if (mode === 'pure') {
        const before = guard ? [params.slice(), g.slice(), snapshot(state.momentumBuffer)] : [];
        const prev = { params, state, step: state.step };
        ({ params, state } = sgdwStep(params, g, state, opts));
        if (guard) {
          assertUnchanged(t, 'params', before[0], prev.params);
          assertUnchanged(t, 'grads', before[1], g);
          assertUnchanged(t, 'state.momentumBuffer', before[2], prev.state.momentumBuffer);
          if (prev.state.step !== prev.step) throw new Error(`step ${t}: the pure step modified state.step`);
        }
      } else {
        sgdwStepInPlace(params, g, state, opts);
      }
      if (recorded.has(t)) {
        const rec: CoreStepValues = { step: t, params: params.slice() };
        const m = snapshot(state.momentumBuffer);
        if (m !== undefined) rec.m = m;
        out.push(rec);
      }
    }
  }
  return out;
}

/** The arrays a fixture step records, by name. */
export const CORE_ARRAYS = ['params', 'm', 'v', 'vMax'] as const;
export type CoreArrayName = (typeof CORE_ARRAYS)[number];

/** Where the largest deviation of a core comparison was found. */
export interface CoreWorst {
  step: number;
  array: CoreArrayName;
  index: number;
}

/** The result of comparing one run with a core fixture. */
export interface CoreComparison {
  /** Largest deviation of the parameters over all recorded steps. */
  params: Deviation;
  /** Largest deviation of the optimizer state (m, v, vMax) over all recorded steps. */
  state: Deviation;
  /** Largest deviation per array. */
  arrays: Record<CoreArrayName, Deviation>;
  /** Where the largest relative deviation is. */
  worst: CoreWorst | undefined;
  tolerance: Tolerance;
  pass: boolean;
  /** Problems that are not numeric: a missing array, a step not run. */
  problems: string[];
}

/**
 * Compares the values of a run with the fixture's expectations, array by
 * array and step by step.
 */
export function compareCoreRun(f: CoreFixture, actual: readonly CoreStepValues[]): CoreComparison {
  const tolerance = CORE_TOLERANCE[f.dtype];
  const arrays: Record<CoreArrayName, Deviation> = {
    params: NO_DEVIATION,
    m: NO_DEVIATION,
    v: NO_DEVIATION,
    vMax: NO_DEVIATION,
  };
  const problems: string[] = [];
  let worst: CoreWorst | undefined;
  let worstRel = 0;
  const byStep = new Map(actual.map((a) => [a.step, a]));
  // A fixture that expects nothing would pass without a single comparison.
  if (f.expected.length === 0) problems.push('the fixture has no expected steps: nothing was compared');
  for (const e of f.expected) {
    if (CORE_ARRAYS.every((name) => e[name] === undefined)) problems.push(`expected step ${e.step} records no array: nothing was compared there`);
    const a = byStep.get(e.step);
    if (a === undefined) {
      problems.push(`step ${e.step} was not run`);
      arrays.params = worse(arrays.params, { maxAbs: Infinity, maxRel: Infinity, index: -1 });
      continue;
    }
    for (const name of CORE_ARRAYS) {
      const exp: CoreExpectedStep[CoreArrayName] = e[name];
      if (exp === undefined) continue;
      const act = a[name];
      let d: Deviation;
      if (act === undefined) {
        problems.push(`step ${e.step}: ${name} is missing from the state`);
        d = { maxAbs: Infinity, maxRel: Infinity, index: -1 };
      } else {
        d = deviation(act, exp, tolerance.floor);
      }
      if (d.maxRel > worstRel || (worst === undefined && d.maxRel > 0)) {
        worstRel = d.maxRel;
        worst = { step: e.step, array: name, index: d.index };
      }
      arrays[name] = worse(arrays[name], d);
    }
  }
  const state = worse(worse(arrays.m, arrays.v), arrays.vMax);
  const pass = problems.length === 0 && within(arrays.params, tolerance) && within(state, tolerance);
  return { params: arrays.params, state, arrays, worst, tolerance, pass, problems };
}

/** Runs and compares one core fixture in one mode. */
export function checkCoreFixture(f: CoreFixture, mode: CoreMode): CoreComparison {
  return compareCoreRun(f, runCoreFixture(f, mode));
}
