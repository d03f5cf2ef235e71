import { describe, expect, it } from 'vitest';
import { constantSchedule, cosineAnnealing, cosineWarmRestarts, linearWarmup, normalizedWeightDecay } from '../src/index.js';

describe('schedules', () => {
  it('linear warmup reaches 1 on the last warmup step, then follows the next schedule', () => {
    const s = linearWarmup(4, constantSchedule(0.5));
    expect([0, 1, 2, 3, 4, 10].map(s)).toEqual([0.25, 0.5, 0.75, 1, 0.5, 0.5]);
  });

  it('cosine with warm restarts matches torch CosineAnnealingWarmRestarts (T_0 = 2, T_mult = 2)', () => {
    // Periods: [0, 2), [2, 6), [6, 14): η = ½(1 + cos(π·T_cur/T_i)).
    const s = cosineWarmRestarts({ period: 2, periodMultiplier: 2 });
    const expected = [1, 0.5, 1, (1 + Math.cos(Math.PI / 4)) / 2, 0.5, (1 + Math.cos((3 * Math.PI) / 4)) / 2, 1];
    expected.forEach((e, t) => expect(s(t)).toBeCloseTo(e, 15));
  });

  it('cosine with warm restarts honours η_min and η_max', () => {
    const s = cosineWarmRestarts({ period: 4, min: 0.1, max: 0.9 });
    expect(s(0)).toBeCloseTo(0.9, 15);
    expect(s(2)).toBeCloseTo(0.5, 15);
    expect(s(4)).toBeCloseTo(0.9, 15);
  });

  it('cosine annealing ends at its minimum and stays there', () => {
    const s = cosineAnnealing(10, 0.01);
    expect(s(0)).toBe(1);
    expect(s(5)).toBeCloseTo(0.505, 15);
    expect(s(10)).toBe(0.01);
    expect(s(1000)).toBe(0.01);
  });

  it("the paper's normalised weight decay λ = λ_norm·√(b/(B·T))", () => {
    expect(normalizedWeightDecay({ lambdaNorm: 0.05, batchSize: 128, trainSize: 50_000, epochs: 100 })).toBeCloseTo(0.05 * Math.sqrt(128 / 5_000_000), 15);
  });

  it('rejects impossible arguments with the argument named', () => {
    expect(() => linearWarmup(0)).toThrow(/warmupSteps must be a positive integer, got 0/);
    expect(() => cosineWarmRestarts({ period: 3, periodMultiplier: 0.5 })).toThrow(/periodMultiplier/);
    expect(() => normalizedWeightDecay({ lambdaNorm: 1, batchSize: 0, trainSize: 1, epochs: 1 })).toThrow(/batchSize must be a positive/);
  });
});
