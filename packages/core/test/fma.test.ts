// fmaf32 must return what a hardware float32 FMA returns. The oracle computes a·b + c
// exactly with BigInt and rounds it once; the crafted cases are the ones where the
// float64 multiply-add, rounded to float32 once more, goes wrong.
import { f32Bits, f32FromBits, xorshift32 } from '@adamw/test-utils';
import { describe, expect, it } from 'vitest';
import { fmaf32 } from '../src/adamw/fma.js';
import { doubleRoundingCases, exactFmaf32 } from './fma-cases.js';

/** A normal float32 of either sign, random significand (the fraction bits in mask), exponent e clamped to the normal range. */
function normal(next: () => number, e: number, mask = 0x7fffff): number {
  const field = Math.min(254, Math.max(1, e + 127));
  return f32FromBits((next() & 0x80000000) | (field << 23) | (next() & mask));
}

const MAX = f32FromBits(0x7f7fffff);
const TINY = f32FromBits(1); // 2^-149

const matches = (a: number, b: number, c: number): boolean => Object.is(fmaf32(a, b, c), exactFmaf32(a, b, c));

describe('fmaf32 is the float32 FMA, RN32(a·b + c) rounded once', () => {
  it('for 10^6 random triples of finite float32 bit patterns, subnormals included', () => {
    const next = xorshift32(20260301);
    const finite = (): number => {
      for (;;) {
        const b = next();
        if (((b >>> 23) & 0xff) !== 0xff) return f32FromBits(b);
      }
    };
    let mismatches = 0;
    for (let k = 0; k < 1_000_000; k++) if (!matches(finite(), finite(), finite())) mismatches++;
    expect(mismatches).toBe(0);
  });

  it('for 10^5 triples where c nearly cancels a·b', () => {
    const next = xorshift32(31337);
    let mismatches = 0;
    let zeros = 0;
    for (let k = 0; k < 100_000; k++) {
      const mask = next() & 3 ? 0x7fffff : 0x7ff000; // 12-bit significands make a·b a float32, so it can cancel exactly
      const a = normal(next, (next() % 121) - 60, mask);
      const b = normal(next, (next() % 121) - 60, mask);
      // −RN32(a·b), moved by up to a few thousand float32 steps.
      const c = f32FromBits(f32Bits(-Math.fround(a * b)) + (((next() % 17) - 8) << (next() % 12)));
      if (Object.is(exactFmaf32(a, b, c), 0)) zeros++;
      if (!matches(a, b, c)) mismatches++;
    }
    expect(mismatches).toBe(0);
    expect(zeros).toBeGreaterThan(100);
  });

  it('for 10^5 triples where a·b is 2^-20 to 2^-60 of c', () => {
    const next = xorshift32(4242);
    let mismatches = 0;
    for (let k = 0; k < 100_000; k++) {
      const ec = (next() % 254) - 126;
      const ep = ec - 20 - (next() % 41); // the exponent of a·b
      const ea = Math.floor(ep / 2) + (next() % 21) - 10;
      if (!matches(normal(next, ea), normal(next, ep - ea), normal(next, ec))) mismatches++;
    }
    expect(mismatches).toBe(0);
  });
});

describe('where the float64 multiply-add rounded to float32 is wrong, fmaf32 is right', () => {
  it('1 + (2^36 + 1)·2^-60: float64 rounds it onto the halfway point 1 + 2^-24, which ties to 1', () => {
    const a = 1774001 * 2 ** -30;
    const b = 38737 * 2 ** -30; // a·b = 2^-24 + 2^-60
    expect(Math.fround(a * b + 1)).toBe(1);
    expect(fmaf32(a, b, 1)).toBe(1 + 2 ** -23);
    expect(exactFmaf32(a, b, 1)).toBe(1 + 2 ** -23);
    // From the odd neighbour the tie goes up, and a·b = 2^-24 − 2^-60 ((2^36 − 1) = 262143·262145) must not.
    const c = 1 + 2 ** -23;
    const below = [262143 * 2 ** -30, 262145 * 2 ** -30] as const;
    expect(Math.fround(below[0] * below[1] + c)).toBe(1 + 2 ** -22);
    expect(fmaf32(below[0], below[1], c)).toBe(c);
  });

  it('the same with c every power of two from 2^-100 to 2^100, of both signs', () => {
    for (let k = -100; k <= 100; k++) {
      for (const sign of [1, -1]) {
        const c = sign * 2 ** k;
        const a = sign * 1774001 * 2 ** (k - 30);
        const b = 38737 * 2 ** -30;
        expect(Math.fround(a * b + c)).toBe(c);
        expect(fmaf32(a, b, c)).toBe(c * (1 + 2 ** -23));
      }
    }
  });

  it('on 600 generated cases: powers of two, normal and subnormal c, either sign, either side of c', () => {
    const cases = doubleRoundingCases(600, 2718281);
    expect(cases.length).toBe(600);
    const kinds = { powerOfTwo: 0, normal: 0, subnormal: 0, negative: 0, subnormalResult: 0, towardsZero: 0 };
    let mismatches = 0;
    let float64Wrong = 0;
    for (const [a, b, c] of cases) {
      const exact = exactFmaf32(a, b, c);
      if (!Object.is(fmaf32(a, b, c), exact)) mismatches++;
      if (Math.fround(a * b + c) !== exact) float64Wrong++;
      if (Math.abs(c) < 2 ** -126) kinds.subnormal++;
      else if ((f32Bits(c) & 0x7fffff) === 0) kinds.powerOfTwo++;
      else kinds.normal++;
      if (c < 0) kinds.negative++;
      if (Math.abs(exact) < 2 ** -126) kinds.subnormalResult++;
      if (Math.abs(a * b + c) < Math.abs(c)) kinds.towardsZero++;
    }
    expect(mismatches).toBe(0);
    expect(float64Wrong).toBe(cases.length);
    for (const count of Object.values(kinds)) expect(count).toBeGreaterThan(0);
  });
});

describe('fmaf32 on zeros, infinities, NaN and overflow', () => {
  it('gives NaN for NaN in any position, ∞·0 and ∞ − ∞', () => {
    for (const x of [0, 1, -TINY, MAX, Infinity]) {
      expect(fmaf32(NaN, x, 1)).toBeNaN();
      expect(fmaf32(x, NaN, 1)).toBeNaN();
      expect(fmaf32(1, x, NaN)).toBeNaN();
    }
    expect(fmaf32(Infinity, 0, 1)).toBeNaN();
    expect(fmaf32(-0, Infinity, 1)).toBeNaN();
    expect(fmaf32(Infinity, 0, Infinity)).toBeNaN();
    expect(fmaf32(Infinity, 1, -Infinity)).toBeNaN();
    expect(fmaf32(-Infinity, -2, -Infinity)).toBeNaN();
  });

  it('keeps infinities, and a·b beyond float32 does not overflow when c brings the sum back', () => {
    expect(fmaf32(Infinity, -2, MAX)).toBe(-Infinity);
    expect(fmaf32(3, 4, -Infinity)).toBe(-Infinity);
    expect(fmaf32(MAX, MAX, -Infinity)).toBe(-Infinity);
    expect(fmaf32(MAX, 2, -MAX)).toBe(MAX);
    expect(fmaf32(MAX, 1.5, 0)).toBe(Infinity);
    expect(fmaf32(-MAX, 1.5, 0)).toBe(-Infinity);
  });

  it('rounds the halfway point between the largest float32 and 2^128 by the exact sum', () => {
    // MAX + 2^103 is that halfway point; a·b is 2^103 − 2^67, 2^103 + 2^67 or exactly 2^103.
    const [lowA, lowB] = [262143 * 2 ** 34, 262145 * 2 ** 33];
    const [highA, highB] = [1774001 * 2 ** 34, 38737 * 2 ** 33];
    for (const sign of [1, -1]) {
      const c = sign * MAX;
      expect(Math.fround(sign * lowA * lowB + c)).toBe(sign * Infinity); // float64 lands on the halfway point
      expect(fmaf32(sign * lowA, lowB, c)).toBe(sign * MAX);
      expect(fmaf32(sign * highA, highB, c)).toBe(sign * Infinity);
      expect(fmaf32(sign * 2 ** 103, 1, c)).toBe(sign * Infinity); // a true tie goes to the even 2^128
      for (const [a, b] of [
        [lowA, lowB],
        [highA, highB],
        [2 ** 103, 1],
      ] as const)
        expect(matches(sign * a, b, c)).toBe(true);
    }
  });

  it('gives +0 for an exact cancellation, −0 only for (−0) + (−0) and for negative sums that round to zero', () => {
    expect(Object.is(fmaf32(3, 5, -15), 0)).toBe(true);
    expect(Object.is(fmaf32(-3, 5, 15), 0)).toBe(true);
    expect(Object.is(fmaf32(-0, 5, -0), -0)).toBe(true);
    expect(Object.is(fmaf32(0, -5, -0), -0)).toBe(true);
    expect(Object.is(fmaf32(-0, 5, 0), 0)).toBe(true);
    expect(Object.is(fmaf32(0, 5, -0), 0)).toBe(true);
    expect(Object.is(fmaf32(TINY, TINY, -0), 0)).toBe(true);
    expect(Object.is(fmaf32(-TINY, TINY, 0), -0)).toBe(true);
    expect(Object.is(fmaf32(-TINY, 0.5, 0), -0)).toBe(true); // −2^-150: a tie, to the even zero
    expect(fmaf32(TINY, 0.75, 0)).toBe(TINY);
    for (const [a, b, c] of [
      [3, 5, -15],
      [-0, 5, -0],
      [-TINY, TINY, 0],
      [-TINY, 0.5, 0],
      [TINY, 0.75, 0],
    ] as const) {
      expect(matches(a, b, c)).toBe(true);
    }
  });
});
