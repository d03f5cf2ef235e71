import {
  ADAMW_OPTION_KEYS,
  DEFAULT_NO_DECAY,
  checkNamePatterns,
  createStepProtocol,
  matchesAny,
  resolveAdamWOptions,
  type AdamWOptions,
  type NamedOptimizerConfig,
  type NamePattern,
  type NonFinitePolicy,
  type ResolvedAdamWOptions,
  type Schedule,
  type StepProtocol,
} from '@adamw/core';
import { copyScheduleConfig, scheduleFromConfig, type ScheduleConfig } from './schedule-config.js';

/**
 * How the update runs.
 *
 * - `'arrays'`: each variable's values are read into a typed array, updated by
 *   `@adamw/core`'s `adamwStepInPlace` and written back; the moments live in
 *   typed arrays on the host. On the `cpu` backend the variable's own array is
 *   updated in place (no copy at all).
 * - `'ops'`: the same update written as tensor ops inside `tidy`, with the
 *   moments in non-trainable `tf.Variable`s, so nothing is read back from a
 *   GPU (except one boolean per step with `nonFinite: 'skip' | 'throw'`).
 * - `'auto'` (default): `'arrays'` on the `cpu` and `wasm` backends,
 *   `'ops'` everywhere else (webgl, webgpu, tensorflow).
 */
export type ExecutionPath = 'auto' | 'arrays' | 'ops';

/** The paths that `'auto'` can resolve to. */
export type ConcretePath = Exclude<ExecutionPath, 'auto'>;

/**
 * Options of {@link AdamWOptimizer}: every `@adamw/core` AdamW option
 * (`lr`, `beta1`, `beta2`, `eps`, `weightDecay`, `amsgrad`, `maximize`, `decay`,
 * `decayScale`, `scheduleMultiplier`, `convention`, `nonFinite`, `epsRoot`,
 * `biasCorrection`; defaults are `torch.optim.AdamW`'s) plus the ones below.
 * The update equations are written out on `AdamWOptions` of `@adamw/core`;
 * η is the schedule's value at the update's index and λ is 0 for excluded
 * variables.
 */
export interface TfjsAdamWOptions extends AdamWOptions {
  /**
   * Variables whose names match get no weight decay: substrings, regular
   * expressions or predicates. A name matches when a pattern matches the
   * variable's name or that name without the `_<n>` suffix tfjs appends to
   * keep names unique (`dense_Dense1/bias_1`). Default `DEFAULT_NO_DECAY`
   * from `@adamw/core` (biases, normalisation layers, `gamma`/`beta`); pass
   * `[]` to decay every variable.
   */
  exclude?: NamePattern | readonly NamePattern[];
  /**
   * The multiplier η of each update as a function of its 0-based index (the
   * optimizer's `iterations` before the update), or a {@link ScheduleConfig}
   * that can be saved with the model. Cannot be combined with
   * `scheduleMultiplier`.
   */
  schedule?: Schedule | ScheduleConfig;
  /**
   * Scale the gradients so that their global L2 norm (over every variable
   * of the step) is at most this value, as `torch.nn.utils.clip_grad_norm_`.
   * Applied to a copy; the caller's gradient tensors are never changed.
   */
  clipGlobalNorm?: number;
  /** Which implementation runs the update; see {@link ExecutionPath}. Default `'auto'`. */
  path?: ExecutionPath;
  /**
   * On the cpu backend, let the `'arrays'` path update a variable's own array
   * when no other tensor references its data, instead of writing a new tensor
   * (no copy at all). An array the caller made the variable from is never
   * written: the first update gives the variable a new array, which the
   * updates after it reuse. tfjs's cpu `tf.slice` returns a view of the sliced
   * array without counting a reference, so a slice of a variable kept across
   * a step would see the update: set `false` if you keep such slices.
   * Default `true`.
   */
  inPlace?: boolean;
}

/** Options after validation: what the optimizer keeps. */
export interface ResolvedTfjsOptions {
  /** `@adamw/core`'s step protocol of these options: η per update, each variable's options, the non-finite policy, clipping. */
  protocol: StepProtocol<'adamw'>;
  /** The core options as validated (the update of decayed variables). */
  core: ResolvedAdamWOptions;
  nonFinite: NonFinitePolicy;
  exclude: readonly NamePattern[];
  schedule: Schedule | undefined;
  /** The schedule as given when it is a config (saveable): a frozen copy. */
  scheduleConfig: ScheduleConfig | undefined;
  clipGlobalNorm: number | undefined;
  path: ExecutionPath;
  inPlace: boolean;
}

const EXTRA_KEYS = ['exclude', 'schedule', 'clipGlobalNorm', 'path', 'inPlace'] as const;

/** Every option name {@link AdamWOptimizer} accepts. */
export const TFJS_ADAMW_OPTION_KEYS: readonly string[] = Object.freeze([...ADAMW_OPTION_KEYS, ...EXTRA_KEYS]);

/**
 * Validates the options of {@link AdamWOptimizer} and fills in defaults.
 * Throws a TypeError for an unknown key or a wrong type and a RangeError
 * naming the option for a value out of range.
 */
export function resolveTfjsOptions(options: TfjsAdamWOptions = {}): ResolvedTfjsOptions {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new TypeError(`AdamW options must be an object, got ${options === null ? 'null' : typeof options}`);
  }
  for (const key of Object.keys(options)) {
    if (!TFJS_ADAMW_OPTION_KEYS.includes(key)) {
      throw new TypeError(`unknown AdamW option '${key}'; known options: ${TFJS_ADAMW_OPTION_KEYS.join(', ')}`);
    }
  }
  const { exclude, schedule, clipGlobalNorm, path, inPlace, ...coreOptions } = options;
  let resolvedSchedule: Schedule | undefined;
  let scheduleConfig: ScheduleConfig | undefined;
  if (schedule !== undefined) {
    if (typeof schedule === 'function') resolvedSchedule = schedule;
    else {
      // A copy is what runs and what is saved: the caller's object may change later.
      const copy = schedule !== null && typeof schedule === 'object' && !Array.isArray(schedule) ? copyScheduleConfig(schedule) : schedule;
      resolvedSchedule = scheduleFromConfig(copy);
      scheduleConfig = copy;
    }
  }
  const patterns = exclude === undefined ? DEFAULT_NO_DECAY : checkNamePatterns(exclude, 'option exclude');
  // The protocol's exclusion also tries each name without tfjs's uniqueness suffix (see isExcluded).
  const config: NamedOptimizerConfig = { options: coreOptions, exclude: patterns.length > 0 ? [(name: string) => isExcluded(name, patterns)] : [] };
  if (resolvedSchedule !== undefined) config.schedule = resolvedSchedule;
  if (clipGlobalNorm !== undefined) config.clipGlobalNorm = clipGlobalNorm;
  const protocol = createStepProtocol(config);
  const core = resolveAdamWOptions(coreOptions);
  if (core.nonFiniteCheck === 'result') {
    // The ops path runs the update on the device, where looking at every new value would mean reading it back.
    throw new RangeError("option nonFiniteCheck: 'result' is not available in @adamw/tfjs; nonFinite checks the gradients (and the step's scalars)");
  }
  if (path !== undefined && path !== 'auto' && path !== 'arrays' && path !== 'ops') {
    throw new RangeError(`option path must be one of 'auto', 'arrays', 'ops', got ${JSON.stringify(path)}`);
  }
  if (inPlace !== undefined && typeof inPlace !== 'boolean') {
    throw new TypeError(`option inPlace must be a boolean, got ${typeof inPlace} (${String(inPlace)})`);
  }
  return {
    protocol,
    core,
    nonFinite: protocol.nonFinite,
    exclude: patterns,
    schedule: resolvedSchedule,
    scheduleConfig,
    clipGlobalNorm,
    path: path ?? 'auto',
    inPlace: inPlace ?? true,
  };
}

/**
 * A variable name without the `_<n>` suffix that tfjs appends when a name is
 * already taken (a model loaded twice gets `dense_Dense1/kernel_1`).
 */
export function baseName(name: string): string {
  return name.replace(/_\d+$/, '');
}

/** Whether `name` (or its {@link baseName}) matches any of the exclusion patterns. */
export function isExcluded(name: string, patterns: readonly NamePattern[]): boolean {
  if (patterns.length === 0) return false;
  if (matchesAny(name, patterns)) return true;
  const base = baseName(name);
  return base !== name && matchesAny(base, patterns);
}

/** The path `'auto'` picks on a backend: host arrays where reading data is cheap. */
export function pathForBackend(path: ExecutionPath, backendName: string): ConcretePath {
  if (path !== 'auto') return path;
  return backendName === 'cpu' || backendName === 'wasm' ? 'arrays' : 'ops';
}
