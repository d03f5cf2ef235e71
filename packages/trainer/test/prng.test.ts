import { describe, expect, it } from 'vitest';
import { Prng } from '../src/index.js';

describe('Prng (xoshiro128**)', () => {
  it('produces the reference sequence of xoshiro128** from state [1, 2, 3, 4]', () => {
    // First outputs of the authors' C implementation (xoshiro128starstar.c) from s = {1, 2, 3, 4}.
    const p = Prng.fromState([1, 2, 3, 4]);
    expect(Array.from({ length: 6 }, () => p.nextUint32())).toEqual([11520, 0, 5927040, 70819200, 2031721883, 1637235492]);
  });

  it('continues the same sequence from a saved state', () => {
    const a = new Prng(42);
    for (let i = 0; i < 10; i++) a.nextUint32();
    const b = Prng.fromState(a.state());
    expect(Array.from({ length: 20 }, () => b.nextUint32())).toEqual(Array.from({ length: 20 }, () => a.nextUint32()));
  });

  it('gives different sequences for different seeds and equal ones for equal seeds', () => {
    const draw = (seed: number) => {
      const p = new Prng(seed);
      return Array.from({ length: 8 }, () => p.nextUint32());
    };
    expect(draw(1)).toEqual(draw(1));
    expect(draw(1)).not.toEqual(draw(2));
    expect(draw(0)).not.toEqual(draw(2 ** 32));
  });

  it('nextFloat is in [0, 1) and nextBelow in [0, n) with every value reached', () => {
    const p = new Prng(7);
    const seen = new Set<number>();
    for (let i = 0; i < 2000; i++) {
      const f = p.nextFloat();
      expect(f).toBeGreaterThanOrEqual(0);
      expect(f).toBeLessThan(1);
      const k = p.nextBelow(7);
      expect(Number.isInteger(k) && k >= 0 && k < 7).toBe(true);
      seen.add(k);
    }
    expect(seen.size).toBe(7);
  });

  it('shuffle returns a permutation', () => {
    const a = new Prng(3).shuffle(Int32Array.from({ length: 100 }, (_, i) => i));
    expect(Array.from(a).sort((x, y) => x - y)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(Array.from(a)).not.toEqual(Array.from({ length: 100 }, (_, i) => i));
  });

  it('rejects bad seeds and states', () => {
    expect(() => new Prng(Number.NaN)).toThrow(/seed must be a finite number/);
    expect(() => Prng.fromState([1, 2, 3])).toThrow(/four uint32/);
    expect(() => Prng.fromState([0, 0, 0, 0])).toThrow(/all zeros/);
    expect(() => new Prng(1).nextBelow(0)).toThrow(/n must be an integer/);
  });
});
