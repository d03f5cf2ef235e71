import {
  createNamedOptimizer,
  createStepProtocol,
  type AdamWState,
  type AdamWOptions,
  type NamedOptimizer,
  type NamedOptimizerConfig,
  type NamePattern,
  type OptimizerKind as CoreKind,
  type SGDWOptions,
  type Schedule,
} from '@adamw/core';
import { describe } from './check.js';
import type { MomentsArena } from './dense/stack.js';
import type { FloatArray } from './types.js';

/**
 * Which optimizer trains the model, with its options (those of
 * `@adamw/core`; `scheduleMultiplier` is the constant η when the trainer has
 * no schedule).
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

/** The core optimizer a trainer steps with: AdamW or SGDW over the model's named parameters. */
export type TrainerOptimizer = NamedOptimizer<CoreKind, FloatArray>;

/** The parts of the step protocol the trainer's options set besides the spec. */
export interface ProtocolOptions {
  exclude: NamePattern | readonly NamePattern[] | undefined;
  schedule: Schedule | undefined;
  clipGlobalNorm: number | undefined;
}

/**
 * Checks `spec` and returns it with `decay` filled in for the L2 kinds (what a
 * checkpoint records), and the core kind that runs it.
 */
export function checkOptimizerSpec(spec: unknown): { spec: OptimizerSpec; coreKind: CoreKind } {
  if (spec === null || typeof spec !== 'object') throw new TypeError(`optimizer must be an object { kind, options }, got ${describe(spec)}`);
  const { kind, options = {} } = spec as { kind: unknown; options?: unknown };
  if (!OPTIMIZER_KINDS.includes(kind as OptimizerKind)) {
    throw new RangeError(`unknown optimizer kind ${describe(kind)}; expected one of ${OPTIMIZER_KINDS.join(', ')}`);
  }
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new TypeError(`optimizer.options must be an object, got ${describe(options)}`);
  }
  const coupled = kind === 'adam' || kind === 'sgd';
  const decay = (options as { decay?: unknown }).decay;
  if (coupled && decay !== undefined && decay !== 'l2') {
    throw new RangeError(
      `optimizer kind '${kind}' is ${kind === 'adam' ? 'Adam' : 'SGD'} with L2 regularisation; use kind '${kind}w' for decay ${describe(decay)}`,
    );
  }
  const frozen = Object.freeze(coupled ? { ...options, decay: 'l2' as const } : { ...options });
  return { spec: { kind, options: frozen } as OptimizerSpec, coreKind: kind === 'adamw' || kind === 'adam' ? 'adamw' : 'sgdw' };
}

/**
 * The core named optimizer for a checked spec and the trainer's protocol
 * options; validates them all. For AdamW without AMSGrad, `momentsArena` is
 * asked for the arena that holds the parameters (a model on the SIMD
 * kernels has one, with room for two moments per parameter): the states are
 * made there, so that every step runs in place.
 */
export function createTrainerOptimizer(
  spec: OptimizerSpec,
  coreKind: CoreKind,
  protocol: ProtocolOptions,
  params: Readonly<Record<string, FloatArray>>,
  momentsArena?: () => MomentsArena | undefined,
): TrainerOptimizer {
  const config: NamedOptimizerConfig<CoreKind> = { kind: coreKind, options: spec.options ?? {} };
  if (protocol.exclude !== undefined) config.exclude = protocol.exclude;
  if (protocol.schedule !== undefined) config.schedule = protocol.schedule;
  if (protocol.clipGlobalNorm !== undefined) config.clipGlobalNorm = protocol.clipGlobalNorm;
  if (coreKind === 'adamw' && momentsArena !== undefined) {
    // Checks the configuration before the arena's room is taken.
    const checked = createStepProtocol(config as NamedOptimizerConfig<'adamw'>);
    const names = Object.keys(params);
    if (!names.some((name) => checked.optionsFor(name, 1).amsgrad)) {
      const arena = momentsArena();
      if (arena !== undefined) {
        const states: Record<string, AdamWState<FloatArray>> = {};
        for (const name of names) states[name] = arena.initAdamW(params[name]!);
        return createNamedOptimizer(config as NamedOptimizerConfig<'adamw'>, params, states) as TrainerOptimizer;
      }
    }
  }
  return createNamedOptimizer(config, params);
}
