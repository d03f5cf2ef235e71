import { resolveAdamWOptions, type ResolvedAdamWOptions } from '../adamw/options.js';
import { DEFAULT_NO_DECAY, checkNamePatterns, matchesAny, optionsFor, type NamePattern, type ParamRule } from '../named.js';
import type { Schedule } from '../schedules.js';
import { resolveSGDWOptions, type ResolvedSGDWOptions, type SGDWOptions, type SGDWState } from '../sgdw/sgdw.js';
import type { AdamWOptions, AdamWState, FloatArray, NonFiniteCheck, NonFinitePolicy } from '../types.js';
import { firstNonFinite } from '../validate.js';

/** Which update a named optimizer runs: AdamW, or momentum SGD with decoupled weight decay. */
export type OptimizerKind = 'adamw' | 'sgdw';

/** Every optimizer kind. */
export const OPTIMIZER_KINDS: readonly OptimizerKind[] = Object.freeze(['adamw', 'sgdw']);

/** The per-step options of a kind: {@link AdamWOptions} or {@link SGDWOptions}. */
export type OptionsOf<K extends OptimizerKind> = K extends 'sgdw' ? SGDWOptions : AdamWOptions;
/** The validated options of a kind. */
export type ResolvedOptionsOf<K extends OptimizerKind> = K extends 'sgdw' ? ResolvedSGDWOptions : ResolvedAdamWOptions;
/** The state of one array for a kind. */
export type StateOf<K extends OptimizerKind, T extends FloatArray = FloatArray> = K extends 'sgdw' ? SGDWState<T> : AdamWState<T>;

/**
 * The training-step protocol every adapter of this project follows, and its
 * options, which mean the same in every package. One update t (0-based count
 * of the updates applied so far) over named parameters is:
 *
 * ```text
 * 1. nonFinite: a NaN/±Infinity loss or gradient skips the update, throws, or flows on
 * 2. g ← g · min(1, c / (‖g‖ + 1e-6))            when clipGlobalNorm = c (‖·‖ over all names)
 * 3. η ← schedule(t)                              (options.scheduleMultiplier without a schedule)
 * 4. each name: the step of `kind` with η, λ = 0 for names matching `exclude`, then `rules`
 * ```
 *
 * The update equations are those of {@link AdamWOptions} and {@link SGDWOptions}.
 */
export interface NamedOptimizerConfig<K extends OptimizerKind = 'adamw'> {
  /** `'adamw'` (default) or `'sgdw'`. */
  kind?: K;
  /**
   * The options of every parameter. Without a `schedule`, `scheduleMultiplier`
   * is the constant η of every update; with one it may not be given.
   */
  options?: OptionsOf<K>;
  /**
   * Parameters trained with weight decay 0, by {@link NamePattern} (a string
   * matches names that contain it). Default {@link DEFAULT_NO_DECAY}: biases
   * and normalisation weights; `[]` decays everything, as a single parameter
   * group of `torch.optim.AdamW` does.
   */
  exclude?: NamePattern | readonly NamePattern[];
  /** More per-name options, merged in order after `exclude` (a rule may set weightDecay again). */
  rules?: readonly ParamRule<OptionsOf<K>>[];
  /** η(t) of update t, the multiplier of the step size (and of decoupled decay). */
  schedule?: Schedule;
  /** Clip the gradients to this global L2 norm before each update, as `torch.nn.utils.clip_grad_norm_`. */
  clipGlobalNorm?: number;
  /**
   * What a NaN or ±Infinity in the loss or any gradient does to the whole
   * update: `'propagate'` (default, as torch) lets it into the parameters,
   * `'skip'` leaves parameters, states and the step count untouched, `'throw'`
   * throws a RangeError and changes nothing. `options.nonFinite` means the same.
   */
  nonFinite?: NonFinitePolicy;
}

/** The names of every {@link NamedOptimizerConfig} field. */
export const NAMED_OPTIMIZER_CONFIG_KEYS: readonly string[] = Object.freeze(['kind', 'options', 'exclude', 'rules', 'schedule', 'clipGlobalNorm', 'nonFinite']);

/**
 * A validated {@link NamedOptimizerConfig}: the decisions of the step
 * protocol, for adapters that run the update themselves (tfjs on a GPU) and
 * for {@link createNamedOptimizer}.
 */
export interface StepProtocol<K extends OptimizerKind = OptimizerKind> {
  readonly kind: K;
  /** The policy for a non-finite loss or gradient, applied to the whole update. */
  readonly nonFinite: NonFinitePolicy;
  /**
   * `'result'` (AdamW only, with `nonFinite` `'skip'` or `'throw'`): also look
   * at every value the update would write, after clipping, and apply the
   * policy when one is not finite. Default `'grads'`.
   */
  readonly nonFiniteCheck: NonFiniteCheck;
  /** The global norm gradients are clipped to, if any. */
  readonly clipGlobalNorm: number | undefined;
  /** The no-decay patterns, checked. */
  readonly exclude: readonly NamePattern[];
  /** The schedule, if any. */
  readonly schedule: Schedule | undefined;
  /** η of update `t`; throws a RangeError naming the schedule when it returns anything but a finite number ≥ 0. */
  multiplier(t: number): number;
  /** Whether `name` is trained without weight decay. */
  excludes(name: string): boolean;
  /**
   * The options of one name with η = `multiplier`, validated, with the
   * protocol's `nonFinite` policy (whose checks of the step's scalars the
   * single steps make) and `nonFiniteCheck: 'grads'` (the protocol checks
   * results itself, for the whole update).
   */
  optionsFor(name: string, multiplier: number): ResolvedOptionsOf<K>;
  /** The factor torch's `clip_grad_norm_` scales by for a global norm (1 when no clipping applies). */
  clipScale(norm: number): number;
  /** The error `nonFinite: 'throw'` raises for what was found (`the gradient of 'w' has NaN at index 3`). */
  nonFiniteError(found: string): RangeError;
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v === 'string') return `'${v}'`;
  if (typeof v === 'number') return String(v);
  return typeof v === 'object' || typeof v === 'function' ? typeof v : `${typeof v} ${String(v)}`;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Options that decide for the whole update at once, which a rule for some names cannot change. */
const WHOLE_STEP_OPTIONS = ['nonFinite', 'nonFiniteCheck', 'scheduleMultiplier'] as const;

function checkRules(rules: unknown): readonly ParamRule<object>[] {
  if (rules === undefined) return [];
  if (!Array.isArray(rules)) throw new TypeError(`rules must be an array of { match, options }, got ${describe(rules)}`);
  return Object.freeze(
    rules.map((rule: unknown, i) => {
      if (!isPlainObject(rule)) throw new TypeError(`rules[${i}] must be an object { match, options }, got ${describe(rule)}`);
      if (!isPlainObject(rule.options)) throw new TypeError(`rules[${i}].options must be an object, got ${describe(rule.options)}`);
      for (const key of WHOLE_STEP_OPTIONS) {
        if (Object.hasOwn(rule.options, key))
          throw new TypeError(`rules[${i}].options.${key} applies to the whole update, not to some names; give it in options`);
      }
      return { match: checkNamePatterns(rule.match, `rules[${i}].match`), options: rule.options };
    }),
  );
}

/**
 * Validates a {@link NamedOptimizerConfig} and returns its {@link StepProtocol}.
 * Throws a TypeError for an unknown field or a wrong type and a RangeError
 * naming the field for a value out of range.
 */
export function createStepProtocol<K extends OptimizerKind = 'adamw'>(config: NamedOptimizerConfig<K> = {}): StepProtocol<K> {
  if (!isPlainObject(config as unknown)) throw new TypeError(`the optimizer config must be an object, got ${describe(config)}`);
  for (const key of Object.keys(config)) {
    if (!NAMED_OPTIMIZER_CONFIG_KEYS.includes(key)) {
      throw new TypeError(`unknown optimizer config field '${key}'; known fields: ${NAMED_OPTIMIZER_CONFIG_KEYS.join(', ')}`);
    }
  }
  const kind = (config.kind ?? 'adamw') as K;
  if (!OPTIMIZER_KINDS.includes(kind)) throw new RangeError(`kind must be one of ${OPTIMIZER_KINDS.map((k) => `'${k}'`).join(', ')}, got ${describe(kind)}`);
  const options = (config.options ?? {}) as OptionsOf<K>;
  if (!isPlainObject(options as unknown)) throw new TypeError(`options must be an object, got ${describe(options)}`);
  const resolve = (kind === 'sgdw' ? resolveSGDWOptions : resolveAdamWOptions) as (o: object) => ResolvedOptionsOf<K>;
  if (config.nonFinite !== undefined && options.nonFinite !== undefined && config.nonFinite !== options.nonFinite) {
    throw new TypeError(`nonFinite is '${config.nonFinite}' but options.nonFinite is '${options.nonFinite}'; give one of them`);
  }
  const base = resolve(config.nonFinite === undefined ? options : { ...options, nonFinite: config.nonFinite });
  const { schedule, clipGlobalNorm } = config;
  if (schedule !== undefined) {
    if (typeof schedule !== 'function') throw new TypeError(`schedule must be a function of the update index, got ${describe(schedule)}`);
    if (options.scheduleMultiplier !== undefined) {
      throw new TypeError('options.scheduleMultiplier and schedule cannot be combined; put the multiplier into the schedule');
    }
  }
  if (clipGlobalNorm !== undefined && (typeof clipGlobalNorm !== 'number' || !(clipGlobalNorm > 0) || !Number.isFinite(clipGlobalNorm))) {
    throw new RangeError(`clipGlobalNorm must be a positive finite number, got ${describe(clipGlobalNorm)}`);
  }
  const nonFinite = base.nonFinite;
  const nonFiniteCheck = kind === 'adamw' ? (base as ResolvedAdamWOptions).nonFiniteCheck : 'grads';
  const exclude = config.exclude === undefined ? DEFAULT_NO_DECAY : checkNamePatterns(config.exclude, 'exclude');
  const rules = checkRules(config.rules) as readonly ParamRule<OptionsOf<K>>[];
  const { scheduleMultiplier: _constant, nonFinite: _policy, nonFiniteCheck: _check, ...perName } = options as AdamWOptions & SGDWOptions;
  const constant = base.scheduleMultiplier;
  const byName = new Map<string, ResolvedOptionsOf<K>>();

  const protocol: StepProtocol<K> = {
    kind,
    nonFinite,
    nonFiniteCheck,
    clipGlobalNorm,
    exclude,
    schedule,
    multiplier(t) {
      if (schedule === undefined) return constant;
      const eta = schedule(t);
      if (typeof eta !== 'number' || !Number.isFinite(eta) || eta < 0) {
        throw new RangeError(`schedule(${t}) returned ${describe(eta)}; a multiplier must be a finite number >= 0`);
      }
      return eta;
    },
    excludes: (name) => exclude.length > 0 && matchesAny(name, exclude),
    optionsFor(name, multiplier) {
      let o = byName.get(name);
      if (o === undefined) {
        const own = protocol.excludes(name) ? { ...perName, weightDecay: 0 } : perName;
        const merged = optionsFor(name, own as OptionsOf<K>, rules);
        try {
          o = resolve({ ...merged, nonFinite });
        } catch (e) {
          if (e instanceof Error) e.message = `parameter '${name}': ${e.message}`;
          throw e;
        }
        byName.set(name, o);
      }
      return { ...o, scheduleMultiplier: multiplier };
    },
    clipScale(norm) {
      if (clipGlobalNorm === undefined) return 1;
      const factor = clipGlobalNorm / (norm + 1e-6);
      return factor < 1 ? factor : 1;
    },
    nonFiniteError: (found) => new RangeError(`${found}; nonFinite: 'throw' leaves parameters and state unchanged`),
  };
  return protocol;
}

/**
 * The first non-finite value among a loss and named gradients, described
 * (`the loss is NaN`, `the gradient of 'w' has Infinity at index 3`), or
 * undefined when every value is finite.
 */
export function describeNonFinite(grads: Readonly<Record<string, FloatArray>>, loss?: number): string | undefined {
  if (loss !== undefined && !Number.isFinite(loss)) return `the loss is ${loss}`;
  for (const [name, g] of Object.entries(grads)) {
    const i = firstNonFinite(g);
    if (i >= 0) return `the gradient of '${name}' has ${g[i]} at index ${i}`;
  }
  return undefined;
}
