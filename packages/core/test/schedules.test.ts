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

describe('cosine with warm restarts far into training', () => {
  it('an index of 2^40 and of 2^53 − 1 returns at once (no loop over periods) with T_cur = t mod T₀', () => {
    expect(cosineWarmRestarts({ period: 1 })(2 ** 40)).toBe(1);
    const t = Number.MAX_SAFE_INTEGER;
    const s = cosineWarmRestarts({ period: 3, min: 0.1 });
    const tCur = Number(BigInt(t) % 3n);
    expect(s(t)).toBe(0.1 + ((1 - 0.1) * (1 + Math.cos((Math.PI * tCur) / 3))) / 2);
    expect(cosineAnnealing(1000)(2 ** 40)).toBe(0);
  });

  it('with a growing period the same index lands where the periods T₀·T_multⁱ put it', () => {
    // T₀ = 5, T_mult = 3: periods start at 5·(3ⁱ − 1)/2.
    const s = cosineWarmRestarts({ period: 5, periodMultiplier: 3 });
    const i = 30;
    const start = (5 * (3 ** i - 1)) / 2;
    const length = 5 * 3 ** i;
    expect(s(start)).toBe(1);
    expect(s(start + length / 2)).toBeCloseTo(0.5, 12);
    expect(s(start - 1)).toBeCloseTo((1 + Math.cos((Math.PI * (length / 3 - 1)) / (length / 3))) / 2, 12);
  });

  it('a fractional index (torch steps epochs fractionally) is t mod T₀ as well', () => {
    const s = cosineWarmRestarts({ period: 4 });
    expect(s(9.5)).toBe((1 + Math.cos((Math.PI * 1.5) / 4)) / 2);
  });

  it('an index that is negative, NaN or infinite is refused instead of looping or returning NaN', () => {
    for (const periodMultiplier of [1, 2]) {
      const s = cosineWarmRestarts({ period: 4, periodMultiplier });
      for (const t of [-1, Number.NaN, Infinity, -Infinity]) {
        expect(() => s(t), String(t)).toThrow(/cosineWarmRestarts: the step index must be a finite number >= 0, got/);
      }
    }
  });
});
