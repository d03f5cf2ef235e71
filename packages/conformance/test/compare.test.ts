import { describe, expect, it } from 'vitest';
import { CORE_TOLERANCE, deviation, formatDeviation, TRAJECTORY_TOLERANCE, within, worse } from '../src/compare';

describe('deviation', () => {
  it('is zero for identical arrays, equal infinities, NaN against NaN and 0 against -0', () => {
    expect(deviation([1, Infinity, NaN, 0], [1, Infinity, NaN, -0], 1e-3)).toEqual({ maxAbs: 0, maxRel: 0, index: -1 });
  });

  it('measures relative to |expected| above the floor and to the floor below it', () => {
    const d = deviation([2.002, 1e-6 + 1e-7], [2, 1e-6], 1e-3);
    expect(d.maxAbs).toBeCloseTo(0.002, 12);
    expect(d.maxRel).toBeCloseTo(0.001, 12);
    expect(d.index).toBe(0);
    const e = deviation([1e-6 + 2e-6], [1e-6], 1e-3);
    expect(e.maxRel).toBeCloseTo(2e-3, 12);
  });

  it('is infinite for a non-finite value against a finite one, for NaN, and for a length mismatch', () => {
    expect(deviation([Infinity], [1], 1).maxRel).toBe(Infinity);
    expect(deviation([NaN], [1], 1).maxRel).toBe(Infinity);
    expect(deviation([1], [-Infinity], 1).maxRel).toBe(Infinity);
    expect(deviation([1, 2], [1], 1).maxRel).toBe(Infinity);
  });

  it('works on typed arrays', () => {
    const d = deviation(new Float32Array([1, 2]), new Float64Array([1, 2 + 2 ** -20]), 2 ** -126);
    expect(d.maxRel).toBe(2 ** -20 / (2 + 2 ** -20));
    expect(d.index).toBe(1);
  });

  it('combines with worse and checks with within', () => {
    const a = { maxAbs: 1, maxRel: 1e-11, index: 3 };
    const b = { maxAbs: 0.5, maxRel: 1e-8, index: 7 };
    expect(worse(a, b)).toEqual({ maxAbs: 1, maxRel: 1e-8, index: 7 });
    expect(within(a, CORE_TOLERANCE.float64)).toBe(true);
    expect(within(b, { rel: 1e-9, floor: 0 })).toBe(false);
  });

  it('states stricter tolerances for float64 than for float32', () => {
    expect(CORE_TOLERANCE.float64.rel).toBe(1e-10);
    expect(CORE_TOLERANCE.float32.rel).toBeGreaterThan(CORE_TOLERANCE.float64.rel);
    expect(TRAJECTORY_TOLERANCE.float64.params.rel).toBeLessThan(TRAJECTORY_TOLERANCE.float32.params.rel);
    expect(TRAJECTORY_TOLERANCE.float64.loss.rel).toBeLessThan(TRAJECTORY_TOLERANCE.float32.loss.rel);
  });

  it('formats deviations', () => {
    expect(formatDeviation(0)).toBe('0');
    expect(formatDeviation(1.234e-7)).toBe('1.23e-7');
    expect(formatDeviation(Infinity)).toBe('Infinity');
  });
});
