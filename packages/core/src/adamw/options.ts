import type { AdamWOptions, Convention, NonFiniteCheck, NonFinitePolicy } from '../types.js';
import { checkBoolean, checkChoice, checkKnownKeys, checkNumber } from '../validate.js';

/** Every option filled in, after validation. */
export interface ResolvedAdamWOptions {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  amsgrad: boolean;
  maximize: boolean;
  decay: 'decoupled' | 'l2';
  decayScale: 'lr' | 'schedule';
  scheduleMultiplier: number;
  convention: Convention;
  nonFinite: NonFinitePolicy;
  nonFiniteCheck: NonFiniteCheck;
  epsRoot: number;
  biasCorrection: boolean;
}

/** `torch.optim.AdamW`'s defaults. */
export const ADAMW_DEFAULTS: Readonly<ResolvedAdamWOptions> = Object.freeze({
  lr: 1e-3,
  beta1: 0.9,
  beta2: 0.999,
  eps: 1e-8,
  weightDecay: 1e-2,
  amsgrad: false,
  maximize: false,
  decay: 'decoupled',
  decayScale: 'lr',
  scheduleMultiplier: 1,
  convention: 'torch',
  nonFinite: 'propagate',
  nonFiniteCheck: 'grads',
  epsRoot: 0,
  biasCorrection: true,
});

/** The names of every AdamW option. */
export const ADAMW_OPTION_KEYS = Object.freeze(Object.keys(ADAMW_DEFAULTS)) as readonly (keyof AdamWOptions)[];

/**
 * Validates options and fills in defaults. Throws a TypeError for a wrong type
 * or an unknown key, and a RangeError naming the option for a value out of range.
 */
export function resolveAdamWOptions(options: AdamWOptions = {}): ResolvedAdamWOptions {
  checkKnownKeys(options, ADAMW_OPTION_KEYS, 'AdamW option');
  const d = ADAMW_DEFAULTS;
  const resolved: ResolvedAdamWOptions = {
    lr: checkNumber(options, 'lr', d.lr),
    beta1: checkNumber(options, 'beta1', d.beta1, { max: 1, maxExclusive: true }),
    beta2: checkNumber(options, 'beta2', d.beta2, { max: 1, maxExclusive: true }),
    eps: checkNumber(options, 'eps', d.eps),
    weightDecay: checkNumber(options, 'weightDecay', d.weightDecay),
    amsgrad: checkBoolean(options, 'amsgrad', d.amsgrad),
    maximize: checkBoolean(options, 'maximize', d.maximize),
    decay: checkChoice(options, 'decay', ['decoupled', 'l2'] as const, d.decay),
    decayScale: checkChoice(options, 'decayScale', ['lr', 'schedule'] as const, d.decayScale),
    scheduleMultiplier: checkNumber(options, 'scheduleMultiplier', d.scheduleMultiplier),
    convention: checkChoice(options, 'convention', ['torch', 'optax', 'keras', 'huggingface'] as const, d.convention),
    nonFinite: checkChoice(options, 'nonFinite', ['propagate', 'skip', 'throw'] as const, d.nonFinite),
    nonFiniteCheck: checkChoice(options, 'nonFiniteCheck', ['grads', 'result'] as const, d.nonFiniteCheck),
    epsRoot: checkNumber(options, 'epsRoot', d.epsRoot),
    biasCorrection: checkBoolean(options, 'biasCorrection', d.biasCorrection),
  };
  if (resolved.nonFiniteCheck === 'result' && resolved.nonFinite === 'propagate') {
    throw new RangeError("option nonFiniteCheck: 'result' needs nonFinite 'skip' or 'throw' (with 'propagate' nothing is checked)");
  }
  return resolved;
}
