// The reference kernel divides by a per-step constant d by multiplying with
// 1/d rounded to float64 (src/adamw/reference-kernel.ts). For float32 that must give
// exactly the float32 quotient torch computes; these tests check the claim on
// every kind of float32 operand.
import { f32FromBits, xorshift32 } from '@adamw/test-utils';
import { describe, expect, it } from 'vitest';

/** The float32 quotient: the float64 quotient of two float32 numbers, rounded once more, is the correctly rounded one. */
const quotient = (x: number, d: number): number => Math.fround(x / d);
const viaReciprocal = (x: number, d: number): number => Math.fround(x * (1 / d));

describe('x·(1/d) in float64, rounded to float32, is the float32 quotient x/d', () => {
  it('for 4·10^6 random float32 pairs: x of any finite bit pattern, d a divisor in (0, 1]', () => {
    const next = xorshift32(20261124);
    let mismatches = 0;
    for (let k = 0; k < 4_000_000; k++) {
      const x = f32FromBits(next() & 0x7f7fffff); // any finite non-negative float32, subnormals included
      // Divisors as the plan makes them: √(1−β₂ᵗ) and 1−β₂ᵗ lie in (0, 1].
      const d = Math.fround(f32FromBits(0x3f800000 - (next() % 0x0f000000)));
      if (!(d > 0 && d <= 1)) continue;
      if (!Object.is(viaReciprocal(x, d), quotient(x, d))) mismatches++;
    }
    expect(mismatches).toBe(0);
  });

  it('for 10^6 pairs with d of any size, and results that overflow or fall into the subnormals', () => {
    const next = xorshift32(7);
    let mismatches = 0;
    let overflows = 0;
    let subnormals = 0;
    for (let k = 0; k < 1_000_000; k++) {
      const x = f32FromBits(next() & 0x7f7fffff);
      const d = f32FromBits((next() % 0x7f000000) + 0x00800000); // positive normal divisors
      const q = quotient(x, d);
      if (q === Infinity) overflows++;
      if (q !== 0 && q < 2 ** -126) subnormals++;
      if (!Object.is(viaReciprocal(x, d), q)) mismatches++;
    }
    expect(mismatches).toBe(0);
    expect(overflows).toBeGreaterThan(1000);
    expect(subnormals).toBeGreaterThan(100);
  });

  it('for the values a step meets: square roots of second moments divided by √(1−β₂ᵗ) over the first 10^4 steps', () => {
    const next = xorshift32(99);
    let mismatches = 0;
    for (const beta2 of [0.999, 0.99, 0.95, 0.9999]) {
      for (let t = 1; t <= 10_000; t++) {
        const d = Math.fround(Math.sqrt(1 - beta2 ** t));
        for (let j = 0; j < 20; j++) {
          const x = Math.fround(Math.sqrt(f32FromBits(next() & 0x7f7fffff)));
          if (!Object.is(viaReciprocal(x, d), quotient(x, d))) mismatches++;
        }
      }
    }
    expect(mismatches).toBe(0);
  });

  it('for zeros, infinities and NaN', () => {
    for (const x of [0, -0, Infinity, -Infinity, NaN, f32FromBits(1), -f32FromBits(1), f32FromBits(0x7f7fffff)]) {
      for (const d of [1, 0.5, Math.fround(0.1), f32FromBits(0x00800000), f32FromBits(1), 0]) {
        expect(viaReciprocal(x, d)).toBe(quotient(x, d));
      }
    }
  });

  it('the same shortcut in float64 is not exact, which is why float64 results may differ from a division by one rounding', () => {
    const next = xorshift32(3);
    let mismatches = 0;
    for (let k = 0; k < 100_000; k++) {
      const x = 1 + next() / 2 ** 32;
      const d = 0.5 + next() / 2 ** 33;
      if (x * (1 / d) !== x / d) mismatches++;
    }
    expect(mismatches).toBeGreaterThan(1000);
  });
});
