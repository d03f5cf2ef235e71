import type { ResolvedAdamWOptions } from '@adamw/core';
import * as tf from '@tensorflow/tfjs-core';
import { firstNonFinite, readValues, updateOnHost, type HostValues } from './arrays-path.js';
import { configToOptions, optionsToConfig } from './config.js';
import { collectGradients, type NamedTensor } from './gradients.js';
import { allFinite, updateWithOps } from './ops-path.js';
import { pathForBackend, resolveTfjsOptions, type ConcretePath, type ResolvedTfjsOptions, type TfjsAdamWOptions } from './options.js';
import { countTensor, readCount } from './count.js';
import { checkStateNames } from './restore-checks.js';
import { StateStore, type SlotState } from './state.js';

/**
 * AdamW (Loshchilov & Hutter, "Decoupled Weight Decay Regularization", ICLR
 * 2019) as a TensorFlow.js optimizer, computing what `torch.optim.AdamW`
 * computes. It extends `tf.Optimizer`, so it works with
 * `model.compile({ optimizer })`, `model.fit`, `optimizer.minimize` and
 * `model.save(..., { includeOptimizer: true })` / `tf.loadLayersModel`.
 *
 * Each update runs the step protocol of `@adamw/core` (`NamedOptimizerConfig`:
 * non-finite policy, clipping, η from the schedule, no decay for excluded
 * names) and, per variable, the update written out on `AdamWOptions` of
 * `@adamw/core`, at the variable's own step t.
 *
 * State is kept per variable name. On the cpu and wasm backends the update is
 * `@adamw/core`'s own kernel run on the variables' values; elsewhere it runs
 * as tensor ops (see {@link ExecutionPath}). Create it with {@link adamw}.
 */
export class AdamWOptimizer extends tf.Optimizer {
  /** The name the class is registered and saved under. */
  static get className(): string {
    return 'AdamW';
  }

  private readonly resolved: ResolvedTfjsOptions;
  private readonly store: StateStore;
  /** Counts changes of the state (updates, setWeights, dispose), so that getWeights can tell whether its last answer still holds. */
  private version = 0;
  /** What getWeights returned last, for the version it describes. */
  private lent: { version: number; weights: NamedTensor[] } | undefined;

  /** @param options see {@link TfjsAdamWOptions}; validated here (unknown keys throw). */
  constructor(options: TfjsAdamWOptions = {}) {
    super();
    this.resolved = resolveTfjsOptions(options);
    this.store = new StateStore(this.resolved.core.amsgrad);
    this.iterations_ = 0;
  }

  /** The path the next update takes on the current backend (`'arrays'` or `'ops'`). */
  get activePath(): ConcretePath {
    return pathForBackend(this.resolved.path, tf.getBackend());
  }

  /** The core options of decayed variables, validated and with defaults filled in. */
  get coreOptions(): Readonly<ResolvedAdamWOptions> {
    return this.resolved.core;
  }

  /** Whether the variable of this name is updated without weight decay (see `exclude`). */
  isExcluded(name: string): boolean {
    return this.resolved.protocol.excludes(name);
  }

  /** η of the next update: the schedule at index `iterations`, or `scheduleMultiplier`. */
  nextScheduleMultiplier(): number {
    return this.resolved.protocol.multiplier(this.iterations);
  }

  /**
   * Applies one AdamW update. Accepts the `NamedTensor[]` that `minimize`
   * passes with a variable list (as `model.fit` does) and the
   * `NamedTensorMap` it passes without one.
   *
   * Every check runs before anything changes: an unknown variable name, a
   * missing gradient, a shape or dtype mismatch, a schedule value out of range
   * or (with `nonFinite: 'throw'`) a NaN/Infinity throws and leaves variables,
   * moments and `iterations` as they were; with `nonFinite: 'skip'` such a step
   * is skipped the same way.
   */
  applyGradients(variableGradients: tf.NamedTensorMap | NamedTensor[]): void {
    const entries = collectGradients(variableGradients);
    if (entries.length === 0) return;
    const path = this.activePath;
    const eta = this.nextScheduleMultiplier();
    const taken = new Set<string>();
    const found = entries.map((e) => {
      const f = this.store.find(e.name, e.variable.shape, taken);
      if (f !== undefined) taken.add(f.key);
      return f;
    });

    const { protocol } = this.resolved;
    const hostGrads: HostValues[] | undefined = path === 'arrays' ? entries.map((e) => readValues(e.grad)) : undefined;
    if (protocol.nonFinite !== 'propagate') {
      const finite = hostGrads !== undefined ? firstNonFinite(entries, hostGrads) === undefined : allFinite(entries);
      if (!finite) {
        if (protocol.nonFinite === 'skip') return;
        const bad = firstNonFinite(entries, hostGrads ?? entries.map((e) => readValues(e.grad)))!;
        throw protocol.nonFiniteError(`the gradient of '${bad.name}' has ${bad.value} at index ${bad.index}`);
      }
    }

    const states: SlotState[] = entries.map((e, k) => {
      const f = found[k];
      let state: SlotState;
      if (f !== undefined) {
        this.store.claim(e.name, f.key, f.state);
        state = f.state;
      } else {
        state = this.store.create(e.name, e.variable.shape, path);
      }
      this.store.convert(state, path);
      return state;
    });
    const options = entries.map((e) => protocol.optionsFor(e.name, eta));
    this.version++;
    if (hostGrads !== undefined) updateOnHost(entries, hostGrads, states, options, protocol.clipGlobalNorm, this.resolved.inPlace);
    else updateWithOps(entries, states, options, protocol.clipGlobalNorm);
    this.incrementIterations();
  }

  /**
   * The state as named tensors, in the shape `model.save` stores:
   * `iter` (the iteration count as two int32 halves, exact past 2^31), then per variable `<name>/m`,
   * `<name>/v`, `<name>/vMax` (AMSGrad only) and `<name>/step`. The tensors
   * stay owned by the optimizer: do not dispose them. Calls while the state
   * does not change return the same tensors (so saves that overlap, such as
   * two `model.save` at once, read the same checkpoint); they stay valid
   * until a call after an update, `setWeights` or `dispose`.
   */
  override async getWeights(): Promise<NamedTensor[]> {
    const last = this.lent;
    if (last !== undefined && last.version === this.version && !last.weights.some((w) => w.tensor.isDisposed)) return [...last.weights];
    const states = this.store.toWeights();
    const iter = this.store.lend(countTensor(this.iterations));
    const weights = [{ name: 'iter', tensor: iter }, ...states];
    this.lent = { version: this.version, weights };
    return [...weights];
  }

  /**
   * Restores the state that {@link getWeights} returned (this is what
   * `tf.loadLayersModel` calls). The values are copied; the caller keeps
   * ownership of the tensors. Everything is checked before anything is
   * replaced. A restored state is matched to a variable at the next update by
   * name, or by the name tfjs gave it when it deduplicated the saved one
   * (`dense_Dense1/kernel_1` for `dense_Dense1/kernel`).
   */
  override async setWeights(weightValues: NamedTensor[]): Promise<void> {
    if (!Array.isArray(weightValues) || weightValues.length === 0 || weightValues[0]?.name !== 'iter') {
      throw new TypeError("AdamW setWeights expects the list getWeights returns, starting with 'iter'");
    }
    checkStateNames(weightValues);
    const iter = await readCount(weightValues[0].tensor, 'iter');
    await this.store.fromWeights(weightValues.slice(1), this.activePath);
    this.iterations_ = iter;
    this.version++;
  }

  /**
   * The options as JSON data, for `model.save(..., { includeOptimizer: true })`.
   * Throws a TypeError when a function (a schedule or an exclude predicate)
   * cannot be saved.
   */
  override getConfig(): tf.serialization.ConfigDict {
    return optionsToConfig(this.resolved);
  }

  /** Rebuilds an optimizer from {@link getConfig}'s data (what `tf.loadLayersModel` calls). */
  static override fromConfig<T extends tf.serialization.Serializable>(
    cls: tf.serialization.SerializableConstructor<T>,
    config: tf.serialization.ConfigDict,
  ): T {
    return new cls(configToOptions(config));
  }

  /**
   * Disposes the tensors the optimizer holds (moment variables and tensors
   * lent by `getWeights`) and forgets all state: the next update starts from
   * step 1 and `iterations` is 0 again. `model.dispose()` does not call this.
   */
  override dispose(): void {
    this.store.clear();
    this.iterations_ = 0;
    this.version++;
  }
}

tf.serialization.registerClass(AdamWOptimizer);

/**
 * Creates an {@link AdamWOptimizer}.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs';
 * import { adamw } from '@adamw/tfjs';
 *
 * model.compile({ optimizer: adamw({ lr: 1e-3, weightDecay: 0.01 }), loss: 'categoricalCrossentropy' });
 * await model.fit(xs, ys, { epochs: 5 });
 * ```
 */
export function adamw(options: TfjsAdamWOptions = {}): AdamWOptimizer {
  return new AdamWOptimizer(options);
}
