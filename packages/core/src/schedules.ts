import { checkKnownKeys, optionValue } from './validate.js';

/**
 * A learning-rate multiplier schedule: η as a pure function of the 0-based
 * index of the update. The step size of update `t` is `lr · schedule(t)`, and
 * with `decayScale: 'schedule'` the decay is `η·λ` as in the paper.
 */
export type Schedule = (step: number) => number;

function checkPositiveInteger(value: number, name: string): void {
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer, got ${value}`);
}

function checkFinite(value: number, name: string): void {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new RangeError(`${name} must be a finite number, got ${value}`);
}

/** η(t) = value for every step. */
export function constantSchedule(value = 1): Schedule {
  checkFinite(value, 'value');
  return () => value;
}

/**
 * Linear warmup over `warmupSteps` updates, then `after` (shifted so that it
 * starts at 0): η(t) = (t + 1)/W for t < W, so the first update already moves.
 */
export function linearWarmup(warmupSteps: number, after: Schedule = constantSchedule(1)): Schedule {
  checkPositiveInteger(warmupSteps, 'warmupSteps');
  return (t) => (t < warmupSteps ? (t + 1) / warmupSteps : after(t - warmupSteps));
}

/** Options of {@link cosineWarmRestarts}. */
export interface CosineWarmRestartsOptions {
  /** T₀, the length of the first period in updates. */
  period: number;
  /** T_mult, the factor by which each period grows. Default `1`. */
  periodMultiplier?: number;
  /** η_min. Default `0`. */
  min?: number;
  /** η_max. Default `1`. */
  max?: number;
}

/**
 * Cosine annealing with warm restarts (SGDR, the schedule of the paper's
 * AdamWR), as `torch.optim.lr_scheduler.CosineAnnealingWarmRestarts`:
 *
 * ```text
 * η(t) = η_min + ½(η_max − η_min)(1 + cos(π · T_cur / T_i))
 * ```
 *
 * where T_i = T₀·T_multⁱ is the length of the current period and T_cur counts
 * updates since its start. With a very long period this is plain cosine
 * annealing.
 */
export function cosineWarmRestarts(options: CosineWarmRestartsOptions): Schedule {
  checkKnownKeys(options, ['period', 'periodMultiplier', 'min', 'max'], 'cosineWarmRestarts option');
  const read = (key: keyof CosineWarmRestartsOptions, fallback?: number) => (optionValue(options, key) ?? fallback) as number;
  const [period, periodMultiplier, min, max] = [read('period'), read('periodMultiplier', 1), read('min', 0), read('max', 1)];
  checkPositiveInteger(period, 'period');
  if (!Number.isInteger(periodMultiplier) || periodMultiplier < 1) {
    throw new RangeError(`periodMultiplier must be an integer >= 1, got ${periodMultiplier}`);
  }
  checkFinite(min, 'min');
  checkFinite(max, 'max');
  const at = (tCur: number, length: number) => min + ((max - min) * (1 + Math.cos((Math.PI * tCur) / length))) / 2;
  return (t) => {
    if (typeof t !== 'number' || !Number.isFinite(t) || t < 0) {
      throw new RangeError(`cosineWarmRestarts: the step index must be a finite number >= 0, got ${String(t)}`);
    }
    // Periods of one length: T_cur = t mod T₀ (exact, whatever t).
    if (periodMultiplier === 1) return at(t % period, period);
    // Periods that grow by T_mult ≥ 2: found in O(log t) steps (at most about
    // a thousand below the largest finite t).
    let start = 0;
    let length = period;
    while (t >= start + length) {
      start += length;
      length *= periodMultiplier;
    }
    return at(t - start, length);
  };
}

/** Cosine annealing from `max` to `min` over `totalSteps` updates, then `min`. */
export function cosineAnnealing(totalSteps: number, min = 0, max = 1): Schedule {
  checkPositiveInteger(totalSteps, 'totalSteps');
  const cosine = cosineWarmRestarts({ period: totalSteps, min, max });
  return (t) => (t >= totalSteps ? min : cosine(t));
}

/** Options of {@link normalizedWeightDecay}. */
export interface NormalizedWeightDecayOptions {
  /** λ_norm, the normalised weight decay. */
  lambdaNorm: number;
  /** b, the batch size. */
  batchSize: number;
  /** B, the number of training points. */
  trainSize: number;
  /** T, the number of epochs of the run (or of the current restart period). */
  epochs: number;
}

/**
 * The paper's normalised weight decay: λ = λ_norm · √(b / (B·T)), which keeps
 * the best λ_norm stable across batch sizes and run lengths.
 */
export function normalizedWeightDecay(options: NormalizedWeightDecayOptions): number {
  const keys = ['lambdaNorm', 'batchSize', 'trainSize', 'epochs'] as const;
  checkKnownKeys(options, keys, 'normalizedWeightDecay option');
  const [lambdaNorm, batchSize, trainSize, epochs] = keys.map((key) => optionValue(options, key) as number) as [number, number, number, number];
  for (const [name, value] of Object.entries({ lambdaNorm, batchSize, trainSize, epochs })) {
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || (name !== 'lambdaNorm' && value === 0)) {
      throw new RangeError(`${name} must be a ${name === 'lambdaNorm' ? 'non-negative' : 'positive'} finite number, got ${value}`);
    }
  }
  return lambdaNorm * Math.sqrt(batchSize / (trainSize * epochs));
}
