import {
  DEFAULT_NO_DECAY,
  firstNonFinite,
  adamwStepNamed,
  initAdamW,
  initSGDW,
  matchesAny,
  noDecayRule,
  sgdwStepInPlace,
  type AdamWOptions,
  type AdamWState,
  type NamePattern,
  type OptimizerState,
  type SGDWOptions,
  type SGDWState,
} from '@adamw/core';
import { describe } from './check.js';
import type { FloatArray } from './types.js';

/**
 * Which optimizer trains the model, with its options (those of
 * `@adamw/core`; `scheduleMultiplier` is set by the trainer's schedule each
 * step and may not be given here).
 *
 * - `adamw`: AdamW, decoupled weight decay (`torch.optim.AdamW`); `decay: 'l2'` in the options turns it into Adam with L2.
 * - `adam`: Adam with L2 regularisation, g ← g + λθ (`torch.optim.Adam(weight_decay=λ)`): `adamw` with `decay: 'l2'`.
 * - `sgdw`: momentum SGD with decoupled weight decay.
 * - `sgd`: momentum SGD with L2 regularisation (`torch.optim.SGD`): `sgdw` with `decay: 'l2'`.
 */
export type OptimizerSpec =
  | { kind: 'adamw'; options?: AdamWOptions }
  | { kind: 'adam'; options?: AdamWOptions }
  | { kind: 'sgdw'; options?: SGDWOptions }
  | { kind: 'sgd'; options?: SGDWOptions };

/** The name of an optimizer kind. */
export type OptimizerKind = OptimizerSpec['kind'];

/** Every optimizer kind. */
export const OPTIMIZER_KINDS: readonly OptimizerKind[] = Object.freeze(['adamw', 'adam', 'sgdw', 'sgd']);

/**
 * An optimizer over a model's named parameters: one state per name, weight
 * decay turned off for names matching the exclusion patterns, and one
 * update per call with the step's schedule multiplier η.
 */
export class NamedOptimizer {
  /** Which optimizer. */
  readonly kind: OptimizerKind;
  /** The options as given, with `decay` filled in for `adam` and `sgd`. */
  readonly options: Readonly<AdamWOptions | SGDWOptions>;
  /** Name patterns trained with weight decay 0. */
  readonly noDecay: readonly NamePattern[];
  /** One state per parameter name. */
  states: Record<string, OptimizerState>;
  private readonly family: 'adam' | 'sgd';

  /** Validates `spec` and creates a fresh state for every parameter. */
  constructor(spec: OptimizerSpec, params: Readonly<Record<string, FloatArray>>, noDecay: readonly NamePattern[] = DEFAULT_NO_DECAY) {
    if (spec === null || typeof spec !== 'object') throw new TypeError(`optimizer must be an object { kind, options }, got ${describe(spec)}`);
    const { kind, options = {} } = spec as { kind: unknown; options?: unknown };
    if (!OPTIMIZER_KINDS.includes(kind as OptimizerKind)) {
      throw new RangeError(`unknown optimizer kind ${describe(kind)}; expected one of ${OPTIMIZER_KINDS.join(', ')}`);
    }
    if (options === null || typeof options !== 'object' || Array.isArray(options)) {
      throw new TypeError(`optimizer.options must be an object, got ${describe(options)}`);
    }
    if ('scheduleMultiplier' in options) {
      throw new RangeError("optimizer.options.scheduleMultiplier is set by the trainer's schedule each step; pass a schedule instead");
    }
    if (!Array.isArray(noDecay)) throw new TypeError(`noDecay must be an array of name patterns, got ${describe(noDecay)}`);
    this.kind = kind as OptimizerKind;
    this.family = kind === 'adamw' || kind === 'adam' ? 'adam' : 'sgd';
    const coupled = kind === 'adam' || kind === 'sgd';
    const decay = (options as { decay?: unknown }).decay;
    if (coupled && decay !== undefined && decay !== 'l2') {
      throw new RangeError(`optimizer kind '${kind}' is ${kind === 'adam' ? 'Adam' : 'SGD'} with L2 regularisation; use kind '${kind}w' for decay ${describe(decay)}`);
    }
    this.options = Object.freeze(coupled ? { ...options, decay: 'l2' as const } : { ...options });
    this.noDecay = Object.freeze([...noDecay]);
    // Creating the states validates the options (unknown keys, ranges) before the trainer exists.
    this.states = {};
    for (const [name, p] of Object.entries(params)) {
      this.states[name] = this.family === 'adam' ? initAdamW(p, this.options as AdamWOptions) : initSGDW(p, this.options as SGDWOptions);
    }
  }

  /** Whether the parameter `name` is trained without weight decay. */
  excludesDecay(name: string): boolean {
    return this.noDecay.length > 0 && matchesAny(name, this.noDecay);
  }

  /**
   * One update of every parameter with its gradient, with η = `multiplier`.
   * Every array is checked before any is written.
   */
  step(params: Readonly<Record<string, FloatArray>>, grads: Readonly<Record<string, FloatArray>>, multiplier: number): void {
    if (this.family === 'adam') {
      const rules = this.noDecay.length > 0 ? [noDecayRule(this.noDecay)] : [];
      adamwStepNamed(
        params,
        grads,
        this.states as Record<string, AdamWState<FloatArray>>,
        { ...(this.options as AdamWOptions), scheduleMultiplier: multiplier },
        rules,
      );
      return;
    }
    this.sgdStep(params, grads, multiplier);
  }

  private sgdStep(params: Readonly<Record<string, FloatArray>>, grads: Readonly<Record<string, FloatArray>>, multiplier: number): void {
    const base = this.options as SGDWOptions;
    const policy = base.nonFinite ?? 'propagate';
    // core's SGDW checks one array at a time; the non-finite policy is applied to the step as a whole here,
    // so that a NaN in the last gradient cannot leave the first parameters updated.
    if (policy !== 'propagate') {
      for (const [name, g] of Object.entries(grads)) {
        const i = firstNonFinite(g);
        if (i < 0) continue;
        if (policy === 'skip') return;
        throw new RangeError(`gradient of '${name}' has ${g[i]} at index ${i}; nonFinite: 'throw' leaves the parameters unchanged`);
      }
    }
    for (const name of Object.keys(params)) {
      if (grads[name] === undefined) throw new RangeError(`grads has no entry for parameter '${name}'`);
      if (this.states[name] === undefined) throw new RangeError(`the optimizer has no state for parameter '${name}'`);
    }
    for (const [name, p] of Object.entries(params)) {
      const options: SGDWOptions = { ...base, nonFinite: 'propagate', scheduleMultiplier: multiplier };
      if (this.excludesDecay(name)) options.weightDecay = 0;
      sgdwStepInPlace(p, grads[name]!, this.states[name] as SGDWState<FloatArray>, options);
    }
  }
}
