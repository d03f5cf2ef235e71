import { describe, expect, it } from 'vitest';
import { initSGDW, sgdwStep, sgdwStepInPlace, type SGDWOptions } from '../src/index.js';

describe('SGDW', () => {
  it('matches torch.optim.SGD with momentum, dampening and L2, written out by hand', () => {
    const o: SGDWOptions = { lr: 0.1, momentum: 0.9, dampening: 0.1, weightDecay: 0.01, decay: 'l2' };
    const params = new Float64Array([1, -2]);
    const state = initSGDW(params, o);
    const p = [1, -2];
    const buf = [0, 0];
    const grads = [
      [0.5, 0.1],
      [-0.2, 0.3],
      [0.1, 0.1],
    ];
    grads.forEach((g, t) => {
      sgdwStepInPlace(params, new Float64Array(g), state, o);
      for (let i = 0; i < 2; i++) {
        const d = g[i]! + 0.01 * p[i]!;
        buf[i] = t === 0 ? d : 0.9 * buf[i]! + 0.9 * d; // torch: the first step copies d into the buffer
        p[i] = p[i]! - 0.1 * buf[i]!;
      }
    });
    p.forEach((x, i) => expect(params[i]).toBeCloseTo(x, 14));
  });

  it('nesterov with decoupled decay: θ(1 − lr·λ) − lr·(g + μ·b)', () => {
    const o: SGDWOptions = { lr: 0.1, momentum: 0.5, nesterov: true, weightDecay: 0.2 };
    const params = new Float64Array([1]);
    sgdwStepInPlace(params, new Float64Array([0.4]), initSGDW(params, o), o);
    expect(params[0]).toBeCloseTo(1 * (1 - 0.02) - 0.1 * (0.4 + 0.5 * 0.4), 15);
  });

  it('pure and in-place agree and the pure step mutates nothing', () => {
    const o: SGDWOptions = { lr: 0.05, momentum: 0.9, weightDecay: 0.1 };
    const a = new Float32Array([1, 2, 3]);
    let b = a.slice();
    const sa = initSGDW(a, o);
    let sb = initSGDW(b, o);
    for (let t = 0; t < 4; t++) {
      const g = new Float32Array([t, -t, 0.5]);
      const before = b.slice();
      sgdwStepInPlace(a, g, sa, o);
      ({ params: b, state: sb } = sgdwStep(b, g, sb, o));
      expect(before).not.toBe(b);
    }
    expect(Array.from(b)).toEqual(Array.from(a));
    expect(sb).toEqual(sa);
  });

  it('rejects nesterov without momentum, and a missing buffer', () => {
    expect(() => initSGDW(new Float32Array(1), { nesterov: true })).toThrow(/nesterov needs momentum > 0/);
    expect(() => sgdwStepInPlace(new Float32Array(1), new Float32Array(1), { step: 0 }, { momentum: 0.9 })).toThrow(/momentumBuffer is missing/);
  });
});
