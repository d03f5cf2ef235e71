import type { FloatArray, NonFinitePolicy } from '../types.js';
import {
  assertCanStep,
  assertFloatArray,
  assertNoOverlap,
  assertSameShape,
  checkBoolean,
  checkChoice,
  checkKnownKeys,
  checkNumber,
  firstNonFinite,
  writeStep,
} from '../validate.js';

/** The arrays a step only reads (the overlap check probes shared memory through the others). */
const READ_ONLY: readonly string[] = ['grads'];

/**
 * Options of one SGDW step: momentum SGD with decoupled weight decay, or with
 * `decay: 'l2'` exactly `torch.optim.SGD(lr, momentum, dampening,
 * weight_decay, nesterov, maximize)`.
 *
 * ```text
 * g ← g + λ·θ                        (decay: 'l2')
 * θ ← θ·(1 − α·η·λ)                  (decay: 'decoupled'; 1 − η·λ with decayScale: 'schedule')
 * b ← g on the first step, else μ·b + (1 − τ)·g
 * d ← g + μ·b (nesterov) or b         (or g when μ = 0)
 * θ ← θ − α·η·d
 * ```
 */
export interface SGDWOptions {
  /** α, the learning rate. Default `1e-3`. */
  lr?: number;
  /** μ, the momentum. Default `0`. */
  momentum?: number;
  /** τ, the dampening of the momentum. Default `0`. */
  dampening?: number;
  /** Nesterov momentum; needs momentum > 0 and dampening 0. Default `false`. */
  nesterov?: boolean;
  /** λ, the weight decay. Default `0`, as torch.optim.SGD. */
  weightDecay?: number;
  /** `'decoupled'` (SGDW) or `'l2'` (λ·θ added to the gradient). Default `'decoupled'`. */
  decay?: 'decoupled' | 'l2';
  /** `'lr'`: θ·(1 − α·η·λ); `'schedule'`: θ·(1 − η·λ). Default `'lr'`. */
  decayScale?: 'lr' | 'schedule';
  /** η, the schedule multiplier of this step. Default `1`. */
  scheduleMultiplier?: number;
  /** Ascend instead of descend. Default `false`. */
  maximize?: boolean;
  /** As AdamW's `nonFinite`. Default `'propagate'`. */
  nonFinite?: NonFinitePolicy;
}

/** SGDW state for one flat array; `momentumBuffer` exists when momentum is used. */
export interface SGDWState<T extends FloatArray = FloatArray> {
  /** Steps taken so far. */
  step: number;
  /** The momentum buffer b (absent with momentum 0). */
  momentumBuffer?: T;
}

/** The names of every SGDW option. */
export const SGDW_OPTION_KEYS: readonly (keyof SGDWOptions)[] = Object.freeze([
  'lr',
  'momentum',
  'dampening',
  'nesterov',
  'weightDecay',
  'decay',
  'decayScale',
  'scheduleMultiplier',
  'maximize',
  'nonFinite',
]);

/** Every SGDW option filled in, after validation. */
export interface ResolvedSGDWOptions {
  lr: number;
  momentum: number;
  dampening: number;
  nesterov: boolean;
  weightDecay: number;
  decay: 'decoupled' | 'l2';
  decayScale: 'lr' | 'schedule';
  scheduleMultiplier: number;
  maximize: boolean;
  nonFinite: NonFinitePolicy;
}

/**
 * Validates SGDW options and fills in defaults (torch.optim.SGD's). Throws a
 * TypeError for a wrong type or an unknown key, and a RangeError naming the
 * option for a value out of range.
 */
export function resolveSGDWOptions(options: SGDWOptions = {}): ResolvedSGDWOptions {
  checkKnownKeys(options, SGDW_OPTION_KEYS, 'SGDW option');
  const o: ResolvedSGDWOptions = {
    lr: checkNumber(options, 'lr', 1e-3),
    momentum: checkNumber(options, 'momentum', 0),
    dampening: checkNumber(options, 'dampening', 0),
    nesterov: checkBoolean(options, 'nesterov', false),
    weightDecay: checkNumber(options, 'weightDecay', 0),
    decay: checkChoice(options, 'decay', ['decoupled', 'l2'] as const, 'decoupled'),
    decayScale: checkChoice(options, 'decayScale', ['lr', 'schedule'] as const, 'lr'),
    scheduleMultiplier: checkNumber(options, 'scheduleMultiplier', 1),
    maximize: checkBoolean(options, 'maximize', false),
    nonFinite: checkChoice(options, 'nonFinite', ['propagate', 'skip', 'throw'] as const, 'propagate'),
  };
  if (o.nesterov && (o.momentum <= 0 || o.dampening !== 0)) {
    throw new RangeError(`option nesterov needs momentum > 0 and dampening 0, got momentum ${o.momentum} and dampening ${o.dampening}`);
  }
  return o;
}

/** A fresh SGDW state: step 0, and a zero momentum buffer when `options.momentum` is not 0. */
export function initSGDW<T extends FloatArray>(params: T, options: SGDWOptions = {}): SGDWState<T> {
  assertFloatArray(params, 'params');
  const o = resolveSGDWOptions(options);
  const state: SGDWState<T> = { step: 0 };
  if (o.momentum !== 0) state.momentumBuffer = new (params.constructor as new (n: number) => T)(params.length);
  return state;
}

/**
 * Checks everything an SGDW step reads, before anything is written. Returns
 * the resolved options, or `undefined` when the step must be skipped
 * (`nonFinite: 'skip'` and a gradient that is NaN or ±Infinity).
 * @internal
 */
export function checkSGDWStep(params: FloatArray, grads: FloatArray, state: SGDWState, options: SGDWOptions): ResolvedSGDWOptions | undefined {
  // Options first, as for AdamW: no getter among them runs after an array was checked.
  const o = resolveSGDWOptions(options);
  assertFloatArray(params, 'params');
  assertSameShape(grads, 'grads', params, 'params');
  if (state === null || typeof state !== 'object') throw new TypeError('state must be an SGDW state object');
  assertCanStep(state.step, 'state.step');
  if (o.momentum !== 0) {
    if (state.momentumBuffer === undefined) {
      throw new TypeError('options.momentum is not 0 but state.momentumBuffer is missing; create the state with initSGDW(params, { momentum })');
    }
    assertSameShape(state.momentumBuffer, 'state.momentumBuffer', params, 'params');
  }
  assertNoOverlap({ params, grads, 'state.momentumBuffer': o.momentum !== 0 ? state.momentumBuffer : undefined }, READ_ONLY);
  if (o.nonFinite !== 'propagate') {
    const bad = firstNonFinite(grads);
    if (bad >= 0) {
      if (o.nonFinite === 'throw') throw new RangeError(`grads[${bad}] is ${grads[bad]}; nonFinite: 'throw' leaves params and state unchanged`);
      return undefined;
    }
  }
  return o;
}

const identity = (x: number): number => x;

/** The reference SGDW loop, in the arithmetic of torch's CPU kernel (see the AdamW kernel). */
function sgdwKernel(o: ResolvedSGDWOptions, firstStep: boolean, p: FloatArray, g: FloatArray, buf: FloatArray | undefined): void {
  const r = p instanceof Float32Array ? Math.fround : identity;
  const lr = o.lr * o.scheduleMultiplier;
  const decayFactor = o.decayScale === 'lr' ? lr * o.weightDecay : o.scheduleMultiplier * o.weightDecay;
  const keep = r(o.decay === 'decoupled' ? 1 - decayFactor : 1);
  const l2 = r(o.decay === 'l2' ? o.weightDecay : 0);
  const useL2 = l2 !== 0;
  const sign = o.maximize ? -1 : 1;
  const mu = r(o.momentum);
  const oneMinusDampening = r(1 - o.dampening);
  const negLr = r(-lr);
  for (let i = 0; i < p.length; i++) {
    let theta = p[i]!;
    let d = sign * g[i]!;
    if (useL2) d = r(d + l2 * theta);
    theta = r(theta * keep);
    if (buf !== undefined) {
      const b = firstStep ? d : r(r(buf[i]! * mu) + oneMinusDampening * d);
      buf[i] = b;
      d = o.nesterov ? r(d + mu * b) : b;
    }
    p[i] = r(theta + negLr * d);
  }
}

/** Runs the SGDW loop on arrays that {@link checkSGDWStep} has accepted and advances the step count. @internal */
export function applySGDWStep(o: ResolvedSGDWOptions, params: FloatArray, grads: FloatArray, state: SGDWState): void {
  const first = state.step === 0;
  // The count first: a state whose step cannot be written throws while no array has been.
  writeStep(state, state.step + 1);
  sgdwKernel(o, first, params, grads, o.momentum !== 0 ? state.momentumBuffer : undefined);
}

/** One SGDW step, in place; allocates nothing. Checks run before any write. */
export function sgdwStepInPlace<T extends FloatArray>(params: T, grads: T, state: SGDWState<T>, options: SGDWOptions = {}): void {
  const o = checkSGDWStep(params, grads, state, options);
  if (o !== undefined) applySGDWStep(o, params, grads, state);
}

/** One SGDW step as a pure function; inputs are left untouched. */
export function sgdwStep<T extends FloatArray>(params: T, grads: T, state: SGDWState<T>, options: SGDWOptions = {}): { params: T; state: SGDWState<T> } {
  const o = checkSGDWStep(params, grads, state, options);
  const out = params.slice() as T;
  const next: SGDWState<T> = { step: state.step };
  if (state.momentumBuffer !== undefined) next.momentumBuffer = state.momentumBuffer.slice() as T;
  if (o !== undefined) applySGDWStep(o, out, grads, next);
  return { params: out, state: next };
}
