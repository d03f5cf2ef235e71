import type { ResolvedAdamWOptions } from './adamw/options.js';
import { applyAdamWStep, checkAdamWStep, initAdamW } from './adamw/step.js';
import { applySGDWStep, checkSGDWStep, initSGDW, type ResolvedSGDWOptions, type SGDWOptions, type SGDWState } from './sgdw/sgdw.js';
import type { AdamWOptions, AdamWState, FloatArray } from './types.js';

/**
 * A parameter name pattern. A string matches every name that contains it (as
 * `any(nd in n for nd in no_decay)` in PyTorch and HuggingFace training
 * scripts), a regular expression every name it finds a match in, and a
 * function every name it returns `true` for. Every package of this project
 * gives patterns this one meaning.
 */
export type NamePattern = string | RegExp | ((name: string) => boolean);

/** Options that apply to the parameters whose names match. */
export interface ParamRule<O extends object = AdamWOptions> {
  /** Which names the rule applies to (any of them, when a list). */
  match: NamePattern | readonly NamePattern[];
  /** Options merged over the base options for those names. */
  options: O;
}

/**
 * Names that conventionally get no weight decay: biases and the weights of
 * normalisation layers (`bias`, `*.norm.weight`, `LayerNorm`, `gamma`/`beta`
 * of batch normalisation), as in torch, tfjs and Keras naming.
 */
export const DEFAULT_NO_DECAY: readonly RegExp[] = Object.freeze([/(^|[./_])bias(:\d+)?$/i, /norm/i, /(^|[./_])(gamma|beta)(:\d+)?$/i]);

function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'object' ? ((v as object).constructor?.name ?? 'object') : `${typeof v} ${String(v)}`;
}

/**
 * Checks one pattern or a list of them and returns them as a frozen list.
 * Throws a TypeError naming `what` (and the index in a list) for anything
 * that is not a string, a RegExp or a function.
 */
export function checkNamePatterns(value: unknown, what: string): readonly NamePattern[] {
  const list: readonly unknown[] = Array.isArray(value) ? value : [value];
  list.forEach((p, i) => {
    if (typeof p !== 'string' && !(p instanceof RegExp) && typeof p !== 'function') {
      const where = Array.isArray(value) ? `${what}[${i}]` : what;
      throw new TypeError(`${where} must be a name pattern (a string, a RegExp or a function of the name), got ${describeValue(p)}`);
    }
  });
  return Object.freeze([...list]) as readonly NamePattern[];
}

function matchesOne(name: string, p: NamePattern): boolean {
  if (typeof p === 'string') return name.includes(p);
  // A global or sticky RegExp keeps lastIndex between calls; test a stateless copy.
  if (p instanceof RegExp) return p.global || p.sticky ? new RegExp(p.source, p.flags.replace(/[gy]/g, '')).test(name) : p.test(name);
  return Boolean(p(name));
}

/** True when `name` matches any of the patterns (see {@link NamePattern}). */
export function matchesAny(name: string, patterns: NamePattern | readonly NamePattern[]): boolean {
  return checkNamePatterns(patterns, 'pattern').some((p) => matchesOne(name, p));
}

/** A rule that turns weight decay off for the names matching `patterns` (biases and norms by default). */
export function noDecayRule(patterns: NamePattern | readonly NamePattern[] = DEFAULT_NO_DECAY): ParamRule<{ weightDecay: number }> {
  return { match: checkNamePatterns(patterns, 'noDecayRule patterns'), options: { weightDecay: 0 } };
}

/** The options for one name: the base options with every matching rule merged over them, in order. */
export function optionsFor<O extends object = AdamWOptions>(name: string, options: O = {} as O, rules: readonly ParamRule<O>[] = []): O {
  let merged = options;
  for (const rule of rules) {
    if (matchesAny(name, rule.match)) merged = { ...merged, ...rule.options };
  }
  return merged;
}

/** How a named step treats one optimizer family; the AdamW and SGDW entries below. @internal */
export interface Family<O extends object, S, R> {
  check(params: FloatArray, grads: FloatArray, state: S, options: O): R | undefined;
  apply(resolved: R, params: FloatArray, grads: FloatArray, state: S): void;
  /** The arrays of a state, by field. */
  arrays(state: S): Record<string, FloatArray | undefined>;
}

const ADAMW: Family<AdamWOptions, AdamWState, ResolvedAdamWOptions> = {
  check: checkAdamWStep,
  apply: applyAdamWStep,
  arrays: (s) => ({ m: s.m, v: s.v, vMax: s.vMax }),
};

const SGDW: Family<SGDWOptions, SGDWState, ResolvedSGDWOptions> = {
  check: checkSGDWStep,
  apply: applySGDWStep,
  arrays: (s) => ({ momentumBuffer: s.momentumBuffer }),
};

/** Adds the parameter's name to the message of an error thrown while checking it. */
function withName<R>(name: string, f: () => R): R {
  try {
    return f();
  } catch (e) {
    if (e instanceof Error) e.message = `parameter '${name}': ${e.message}`;
    throw e;
  }
}

/**
 * Throws a RangeError when arrays of two different names share memory (one
 * array passed under two names would be stepped twice). Within a name the
 * single-array check has already looked.
 */
function assertNoOverlapAcrossNames(arrays: readonly [string, string, FloatArray][]): void {
  const byBuffer = new Map<ArrayBufferLike, [string, string, FloatArray][]>();
  for (const entry of arrays) {
    const group = byBuffer.get(entry[2].buffer);
    if (group === undefined) byBuffer.set(entry[2].buffer, [entry]);
    else group.push(entry);
  }
  for (const group of byBuffer.values()) {
    if (group.length < 2) continue;
    group.sort((a, b) => a[2].byteOffset - b[2].byteOffset);
    let reach = group[0]!;
    for (let i = 1; i < group.length; i++) {
      const next = group[i]!;
      if (next[2].byteLength > 0 && next[2].byteOffset < reach[2].byteOffset + reach[2].byteLength && next[0] !== reach[0]) {
        throw new RangeError(`${reach[1]} and ${next[1]} share memory; give each parameter its own arrays`);
      }
      if (next[2].byteOffset + next[2].byteLength > reach[2].byteOffset + reach[2].byteLength) reach = next;
    }
  }
}

/**
 * Checks a whole named step (every name, then memory shared across names)
 * before anything is written. Returns what to apply, or `undefined` when the
 * step is skipped under `nonFinite: 'skip'`.
 */
function checkNamed<O extends object, S, R>(
  family: Family<O, S, R>,
  params: Readonly<Record<string, FloatArray>>,
  grads: Readonly<Record<string, FloatArray>>,
  states: Readonly<Record<string, S>>,
  optionsOf: (name: string) => O,
): [string, R][] | undefined {
  const names = Object.keys(params);
  for (const name of Object.keys(grads)) {
    if (!Object.hasOwn(params, name)) throw new RangeError(`grads has '${name}', which is not a parameter; parameters: ${names.join(', ')}`);
  }
  const checked: [string, R][] = [];
  const arrays: [string, string, FloatArray][] = [];
  let skip = false;
  for (const name of names) {
    const p = params[name]!;
    const g = grads[name];
    const s = states[name];
    if (g === undefined || !Object.hasOwn(grads, name)) throw new RangeError(`grads has no entry for parameter '${name}'`);
    if (s === undefined || !Object.hasOwn(states, name)) throw new RangeError(`states has no entry for parameter '${name}'`);
    const r = withName(name, () => family.check(p, g, s, optionsOf(name)));
    if (r === undefined) skip = true;
    else checked.push([name, r]);
    arrays.push([name, `params['${name}']`, p], [name, `grads['${name}']`, g]);
    for (const [field, a] of Object.entries(family.arrays(s))) if (a !== undefined) arrays.push([name, `states['${name}'].${field}`, a]);
  }
  assertNoOverlapAcrossNames(arrays);
  return skip ? undefined : checked;
}

function stepNamed<O extends object, S, R>(
  family: Family<O, S, R>,
  params: Readonly<Record<string, FloatArray>>,
  grads: Readonly<Record<string, FloatArray>>,
  states: Readonly<Record<string, S>>,
  optionsOf: (name: string) => O,
): boolean {
  const checked = checkNamed(family, params, grads, states, optionsOf);
  if (checked === undefined) return false;
  for (const [name, r] of checked) family.apply(r, params[name]!, grads[name]!, states[name]!);
  return true;
}

/** A fresh AdamW state per name, each with its own options (see {@link optionsFor}). */
export function initAdamWNamed<T extends FloatArray>(
  params: Readonly<Record<string, T>>,
  options: AdamWOptions = {},
  rules: readonly ParamRule[] = [],
): Record<string, AdamWState<T>> {
  const states: Record<string, AdamWState<T>> = {};
  for (const [name, p] of Object.entries(params)) states[name] = withName(name, () => initAdamW(p, optionsFor(name, options, rules)));
  return states;
}

/** A fresh SGDW state per name, each with its own options (see {@link optionsFor}). */
export function initSGDWNamed<T extends FloatArray>(
  params: Readonly<Record<string, T>>,
  options: SGDWOptions = {},
  rules: readonly ParamRule<SGDWOptions>[] = [],
): Record<string, SGDWState<T>> {
  const states: Record<string, SGDWState<T>> = {};
  for (const [name, p] of Object.entries(params)) states[name] = withName(name, () => initSGDW(p, optionsFor(name, options, rules)));
  return states;
}

/**
 * One AdamW step over a model's named arrays, in place, with per-name
 * overrides (for example {@link noDecayRule} for biases and norms): the
 * update of {@link AdamWOptions} applied to each name with its own options.
 * Every name is checked before any is written, and arrays shared between
 * names are refused; with `nonFinite: 'skip'` a NaN/Infinity in any gradient
 * skips the whole step for every name, and with `'throw'` nothing changes.
 *
 * For schedules, clipping and a step count kept for you, see
 * {@link createNamedOptimizer}.
 *
 * @returns whether the step was applied (false when skipped).
 *
 * @example
 * ```ts
 * const states = initAdamWNamed(params);
 * adamwStepNamed(params, grads, states, { lr: 1e-3, weightDecay: 0.1 }, [noDecayRule()]);
 * ```
 */
export function adamwStepNamed<T extends FloatArray>(
  params: Readonly<Record<string, T>>,
  grads: Readonly<Record<string, T>>,
  states: Record<string, AdamWState<T>>,
  options: AdamWOptions = {},
  rules: readonly ParamRule[] = [],
): boolean {
  return stepNamed(ADAMW, params, grads, states, (name) => optionsFor(name, options, rules));
}

/**
 * One SGDW step over a model's named arrays, in place, with per-name
 * overrides: the update of {@link SGDWOptions} applied to each name with its
 * own options, checked and skipped as a whole as {@link adamwStepNamed}.
 *
 * @returns whether the step was applied (false when skipped).
 */
export function sgdwStepNamed<T extends FloatArray>(
  params: Readonly<Record<string, T>>,
  grads: Readonly<Record<string, T>>,
  states: Record<string, SGDWState<T>>,
  options: SGDWOptions = {},
  rules: readonly ParamRule<SGDWOptions>[] = [],
): boolean {
  return stepNamed(SGDW, params, grads, states, (name) => optionsFor(name, options, rules));
}

/** The AdamW and SGDW families, for the named optimizer. @internal */
export const NAMED_FAMILIES = { adamw: ADAMW, sgdw: SGDW } as const;

/** @internal */
export { checkNamed };
