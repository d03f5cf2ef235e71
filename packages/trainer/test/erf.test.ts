import { describe, expect, it } from 'vitest';
import { activate, activationBackward, erf } from '../src/index.js';
import { readJson } from './helpers.js';

const ulp = (x: number): number => (x === 0 ? Number.MIN_VALUE : 2 ** (Math.floor(Math.log2(Math.abs(x))) - 52));

describe('erf', () => {
  const table = readJson<{ x: number[]; erf: number[] }>('./fixtures/erf.json');

  it(`is within 2 ulp of CPython's math.erf at ${table.x.length} points in [-27, 27]`, () => {
    let worst = 0;
    table.x.forEach((x, i) => {
      const expected = table.erf[i]!;
      const err = Math.abs(erf(x) - expected) / ulp(expected);
      worst = Math.max(worst, err);
    });
    expect(worst).toBeLessThanOrEqual(2);
  });

  it('is odd, keeps −0, saturates at ±1 and passes NaN through', () => {
    for (const x of [1e-30, 0.3, 1.7, 2.5, 4]) expect(erf(-x)).toBe(-erf(x));
    expect(Object.is(erf(-0), -0)).toBe(true);
    expect(erf(Infinity)).toBe(1);
    expect(erf(-Infinity)).toBe(-1);
    expect(erf(10)).toBe(1);
    expect(erf(Number.NaN)).toBeNaN();
  });

  it('is continuous across the switch between its two expansions at 1', () => {
    const below = erf(1 - 2 ** -52);
    const above = erf(1);
    expect(Math.abs(above - below)).toBeLessThan(4e-16);
  });
});

describe('gelu', () => {
  const table = readJson<{ x: number[]; gelu: number[]; grad: number[] }>('./fixtures/gelu.json');

  it('matches torch.nn.functional.gelu and its autograd derivative in float64', () => {
    const x = Float64Array.from(table.x);
    const y = new Float64Array(x.length);
    activate('gelu', x, y, x.length);
    const d = new Float64Array(x.length).fill(1);
    activationBackward('gelu', x, y, d, x.length);
    table.x.forEach((_, i) => {
      expect(Math.abs(y[i]! - table.gelu[i]!)).toBeLessThanOrEqual(1e-15 * Math.max(1, Math.abs(table.gelu[i]!)));
      expect(Math.abs(d[i]! - table.grad[i]!)).toBeLessThanOrEqual(1e-15 * Math.max(1, Math.abs(table.grad[i]!)));
    });
  });
});
