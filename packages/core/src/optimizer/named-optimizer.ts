import { clipByGlobalNormInPlace } from '../clip.js';
import { deserializeCheckpoint, serializeCheckpoint, type OptimizerState } from '../codec/state.js';
import { NAMED_FAMILIES, checkNamed, type Family } from '../named.js';
import { initAdamW } from '../adamw/step.js';
import { initSGDW } from '../sgdw/sgdw.js';
import type { ResolvedAdamWOptions } from '../adamw/options.js';
import { planAdamWStep } from '../adamw/plan.js';
import { firstNonFiniteResult } from '../adamw/result-check.js';
import { adamwAutoKernel } from '../simd/select.js';
import type { AdamWState, FloatArray } from '../types.js';
import { assertFloatArray, assertStep } from '../validate.js';
import { createStepProtocol, describeNonFinite, type NamedOptimizerConfig, type OptimizerKind, type StateOf, type StepProtocol } from './protocol.js';
import { checkStatesFor, copyStatesInto, type NamedStates } from './states.js';

/** What one {@link NamedOptimizer.step} did. */
export interface StepReport {
  /** False when the update was skipped (`nonFinite: 'skip'` and a non-finite loss or gradient). */
  applied: boolean;
  /** η of this update. */
  multiplier: number;
  /** The global gradient norm before clipping, when `clipGlobalNorm` is set. */
  gradNorm?: number;
  /** The factor the gradients were scaled by (1 when unchanged), when `clipGlobalNorm` is set. */
  clipScale?: number;
  /** What was not finite, when the update was skipped. */
  skipped?: string;
}

/** The state of a whole named optimizer: the updates applied so far and one state per name. */
export interface NamedOptimizerState<T extends FloatArray = FloatArray> {
  /** Updates applied so far: the index t of the next one, which the schedule is called with. */
  stepCount: number;
  /** One optimizer state per parameter name. */
  states: Readonly<Record<string, OptimizerState<T>>>;
}

/**
 * A stateful optimizer over a model's named parameters that runs the step
 * protocol of {@link NamedOptimizerConfig}. Create it with
 * {@link createNamedOptimizer}.
 */
export interface NamedOptimizer<K extends OptimizerKind = OptimizerKind, T extends FloatArray = FloatArray> {
  /** Which update runs. */
  readonly kind: K;
  /** The validated configuration. */
  readonly protocol: StepProtocol<K>;
  /** The parameter names, in the order of the params given at creation. */
  readonly names: readonly string[];
  /** One state per name: live objects that every step updates in place. */
  readonly states: Readonly<Record<string, StateOf<K, T>>>;
  /** Updates applied so far (skipped updates do not count): t of the next update. */
  readonly stepCount: number;
  /**
   * One update of every parameter with its gradient, in place. Everything is
   * checked first (names, types, lengths, shared memory, the schedule's
   * value, a non-finite `loss` or gradient under `nonFinite: 'throw'`): when
   * anything throws, nothing has changed. With `clipGlobalNorm` the gradients
   * are scaled in place, as `clip_grad_norm_` does.
   */
  step(params: Readonly<Record<string, T>>, grads: Readonly<Record<string, T>>, extra?: { loss?: number }): StepReport;
  /** Checks a stored state against this optimizer (names, kinds, types, lengths, which buffers exist) without changing anything. */
  checkState(state: NamedOptimizerState): void;
  /** Checks, then copies a stored state into this optimizer's own arrays (the arrays keep their identity). */
  setState(state: NamedOptimizerState): void;
  /** The state as bytes: core's checksummed archive (kind `'adamw-checkpoint'`), with kind and step count. */
  serialize(): Uint8Array;
  /** Restores {@link NamedOptimizer.serialize}'s bytes; on any mismatch it throws and nothing changes. */
  deserialize(bytes: Uint8Array): void;
}

/** Where the AdamW update of some name would write a NaN or ±Infinity, described; undefined when nowhere. */
function firstNonFiniteUpdate(
  checked: readonly [string, object][],
  params: Readonly<Record<string, FloatArray>>,
  grads: Readonly<Record<string, FloatArray>>,
  states: Readonly<Record<string, AdamWState>>,
): string | undefined {
  for (const [name, r] of checked) {
    const o = r as ResolvedAdamWOptions;
    const s = states[name]!;
    const found = firstNonFiniteResult(adamwAutoKernel, planAdamWStep(o, s.step + 1), params[name]!, grads[name]!, s, o.amsgrad ? s.vMax : undefined);
    if (found !== undefined)
      return `the update would make ${found.array === 'params' ? `params['${name}']` : `states['${name}'].${found.array.slice(6)}`}[${found.index}] ${found.value}`;
  }
  return undefined;
}

/** The `meta.format` of {@link NamedOptimizer.serialize}'s archives. */
export const NAMED_OPTIMIZER_FORMAT = 'adamw-named-optimizer/1';

/**
 * Creates a {@link NamedOptimizer} for `params`: the configuration is checked,
 * every name's options are resolved, and a fresh state is made for each name
 * (or `states` are used, for example states made in an AdamW arena; they are
 * checked against the parameters and options).
 *
 * @example
 * ```ts
 * const optimizer = createNamedOptimizer(
 *   { kind: 'adamw', options: { lr: 1e-3, weightDecay: 0.05 }, schedule: cosineAnnealing(1000), clipGlobalNorm: 1 },
 *   model.params,
 * );
 * const { applied, multiplier } = optimizer.step(model.params, model.grads);
 * ```
 */
export function createNamedOptimizer<K extends OptimizerKind = 'adamw', T extends FloatArray = FloatArray>(
  config: NamedOptimizerConfig<K>,
  params: Readonly<Record<string, T>>,
  states?: NoInfer<Readonly<Record<string, StateOf<K, T>>>>,
): NamedOptimizer<K, T> {
  const protocol = createStepProtocol(config);
  const kind = protocol.kind;
  const family = NAMED_FAMILIES[kind] as unknown as Family<object, StateOf<K, T>, object>;
  if (params === null || typeof params !== 'object') throw new TypeError('params must be an object of named Float32Array/Float64Array');
  const names = Object.freeze(Object.keys(params));
  const init = (kind === 'sgdw' ? initSGDW : initAdamW) as (p: T, o: object) => StateOf<K, T>;
  const own: Record<string, StateOf<K, T>> = {};
  for (const name of names) {
    const p = params[name];
    assertFloatArray(p, `params['${name}']`);
    const options = protocol.optionsFor(name, 1);
    own[name] = states === undefined ? init(p, options) : states[name]!;
  }
  if (states !== undefined) checkStatesFor(kind, params, own as NamedStates, (name) => protocol.optionsFor(name, 1), 'states');
  let stepCount = 0;

  const optimizer: NamedOptimizer<K, T> = {
    kind,
    protocol,
    names,
    states: own,
    get stepCount() {
      return stepCount;
    },
    step(p, grads, extra = {}) {
      const multiplier = protocol.multiplier(stepCount);
      // The protocol's scan first: it names the gradient (or the loss) for the whole update.
      if (protocol.nonFinite !== 'propagate') {
        const found = describeNonFinite(grads, extra.loss);
        if (found !== undefined) {
          if (protocol.nonFinite === 'throw') throw protocol.nonFiniteError(found);
          return { applied: false, multiplier, skipped: found };
        }
      }
      const checked = checkNamed(family, p, grads, own, (name) => {
        if (!Object.hasOwn(own, name))
          throw new RangeError(`params has '${name}', which this optimizer was not created with; its parameters: ${names.join(', ')}`);
        return protocol.optionsFor(name, multiplier);
      });
      for (const name of names) if (!Object.hasOwn(p, name)) throw new RangeError(`params has no entry for '${name}'`);
      // The scan above found every gradient finite, so no single step asks to be skipped.
      if (checked === undefined) throw new Error('a named step was skipped after its gradients were found finite');
      const report: StepReport = { applied: true, multiplier };
      if (protocol.clipGlobalNorm !== undefined) {
        const { norm, scale } = clipByGlobalNormInPlace(grads, protocol.clipGlobalNorm);
        report.gradNorm = norm;
        report.clipScale = scale;
      }
      if (protocol.nonFiniteCheck === 'result') {
        // After clipping, which changes the result; params and states are still untouched.
        const found = firstNonFiniteUpdate(checked, p, grads, own as Readonly<Record<string, AdamWState>>);
        if (found !== undefined) {
          if (protocol.nonFinite === 'throw') throw protocol.nonFiniteError(found);
          return { ...report, applied: false, skipped: found };
        }
      }
      for (const [name, r] of checked) family.apply(r, p[name]!, grads[name]!, own[name]!);
      stepCount += 1;
      return report;
    },
    checkState(state) {
      if (state === null || typeof state !== 'object') throw new TypeError('a named optimizer state must be an object { stepCount, states }');
      assertStep(state.stepCount, 'stepCount');
      checkStatesFor(kind, params, state.states as NamedStates, (name) => protocol.optionsFor(name, 1), 'the stored state');
    },
    setState(state) {
      optimizer.checkState(state);
      copyStatesInto(own as NamedStates, state.states as NamedStates);
      stepCount = state.stepCount;
    },
    serialize() {
      return serializeCheckpoint({ params: {}, states: own as NamedStates, meta: { format: NAMED_OPTIMIZER_FORMAT, kind, stepCount } });
    },
    deserialize(bytes) {
      const checkpoint = deserializeCheckpoint(bytes);
      const meta = checkpoint.meta as { format?: unknown; kind?: unknown; stepCount?: unknown } | undefined;
      if (meta?.format !== NAMED_OPTIMIZER_FORMAT)
        throw new Error(`not a named optimizer state (format ${String(meta?.format)}, expected ${NAMED_OPTIMIZER_FORMAT})`);
      if (meta.kind !== kind) throw new RangeError(`the stored state is of a '${String(meta.kind)}' optimizer, this one is '${kind}'`);
      optimizer.setState({ stepCount: meta.stepCount as number, states: checkpoint.states });
    },
  };
  return optimizer;
}
