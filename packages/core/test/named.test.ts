import { describe, expect, it } from 'vitest';
import {
  DEFAULT_NO_DECAY,
  adamwStepInPlace,
  adamwStepNamed,
  clipByGlobalNormInPlace,
  globalNorm,
  initAdamW,
  initAdamWNamed,
  matchesAny,
  noDecayRule,
  initSGDWNamed,
  sgdwStepNamed,
} from '../src/index.js';

describe('named parameters', () => {
  it('the default no-decay patterns catch biases and normalisation weights only', () => {
    const decayed = ['lins.0.weight', 'dense_Dense1/kernel', 'embedding.weight', 'attn.q_proj.weight', 'biased.weight'];
    const excluded = ['lins.0.bias', 'dense_Dense1/bias', 'layer_norm.weight', 'LayerNorm.bias', 'batch_normalization/gamma', 'bn/beta', 'dense/bias:0'];
    for (const n of decayed) expect(matchesAny(n, DEFAULT_NO_DECAY), n).toBe(false);
    for (const n of excluded) expect(matchesAny(n, DEFAULT_NO_DECAY), n).toBe(true);
  });

  it('steps each name like the single-array step with its own options', () => {
    const params = { 'lins.0.weight': new Float32Array([1, -1, 0.5]), 'lins.0.bias': new Float32Array([2]) };
    const grads = { 'lins.0.weight': new Float32Array([0.1, 0.2, -0.3]), 'lins.0.bias': new Float32Array([0.4]) };
    const w = params['lins.0.weight'].slice();
    const b = params['lins.0.bias'].slice();
    const states = initAdamWNamed(params);
    const options = { lr: 0.1, weightDecay: 0.5 };
    adamwStepNamed(params, grads, states, options, [noDecayRule()]);
    adamwStepInPlace(w, grads['lins.0.weight'], initAdamW(w), options);
    adamwStepInPlace(b, grads['lins.0.bias'], initAdamW(b), { ...options, weightDecay: 0 });
    expect(Array.from(params['lins.0.weight'])).toEqual(Array.from(w));
    expect(Array.from(params['lins.0.bias'])).toEqual(Array.from(b));
  });

  it('checks every name before writing any', () => {
    const params = { a: new Float64Array([1]), b: new Float64Array([2, 3]) };
    const states = initAdamWNamed(params);
    expect(() => adamwStepNamed(params, { a: new Float64Array([1]), b: new Float64Array([1]) }, states)).toThrow(
      /parameter 'b': grads has length 1 but params has length 2/,
    );
    expect(() => adamwStepNamed(params, { a: new Float64Array([1]) }, states)).toThrow(/no entry for parameter 'b'/);
    expect(() => adamwStepNamed(params, { a: new Float64Array([1]), b: new Float64Array(2), c: new Float64Array(1) }, states)).toThrow(
      /'c', which is not a parameter/,
    );
    expect(params.a[0]).toBe(1);
    expect(states.a!.step).toBe(0);
  });

  it("'skip' skips every name when any gradient is not finite", () => {
    const params = { a: new Float64Array([1]), b: new Float64Array([2]) };
    const states = initAdamWNamed(params);
    expect(adamwStepNamed(params, { a: new Float64Array([1]), b: new Float64Array([Infinity]) }, states, { nonFinite: 'skip' })).toBe(false);
    expect([params.a[0], params.b[0], states.a!.step, states.b!.step]).toEqual([1, 2, 0, 0]);
  });

  it('refuses one array under two names (it would be stepped twice) and overlapping views, before writing', () => {
    const shared = new Float32Array([1, 2]);
    const params = { a: shared, b: shared };
    const states = initAdamWNamed(params);
    expect(() => adamwStepNamed(params, { a: new Float32Array(2), b: new Float32Array(2) }, states)).toThrow(/params\['a'\] and params\['b'\] share memory/);
    const buffer = new Float64Array(4);
    const views = { x: buffer.subarray(0, 3), y: buffer.subarray(2, 4) };
    const g = { x: new Float64Array(3), y: new Float64Array(2) };
    expect(() => adamwStepNamed(views, g, initAdamWNamed(views))).toThrow(/params\['x'\] and params\['y'\] share memory/);
    const oneGrad = new Float64Array(1);
    const p2 = { a: new Float64Array(1), b: new Float64Array(1) };
    expect(() => sgdwStepNamed(p2, { a: oneGrad, b: oneGrad }, initSGDWNamed(p2))).toThrow(/grads\['a'\] and grads\['b'\] share memory/);
    expect([shared[0], states.a!.step]).toEqual([1, 0]);
    expect(() => matchesAny('x', 5 as never)).toThrow(/pattern must be a name pattern/);
  });
});

describe('global-norm clipping', () => {
  it('scales all arrays together by maxNorm/(norm + 1e-6), as torch', () => {
    const grads = [new Float64Array([3, 0]), new Float64Array([4])];
    const { norm, scale } = clipByGlobalNormInPlace(grads, 1);
    expect(norm).toBe(5);
    expect(scale).toBeCloseTo(1 / (5 + 1e-6), 15);
    expect(globalNorm(grads)).toBeCloseTo(5 / (5 + 1e-6), 12);
  });
  it('leaves small gradients alone', () => {
    const grads = { w: new Float32Array([0.3, 0.4]) };
    expect(clipByGlobalNormInPlace(grads, 1).scale).toBe(1);
    expect(Array.from(grads.w)).toEqual([Math.fround(0.3), Math.fround(0.4)]);
  });
  it('rejects a non-positive maxNorm', () => {
    expect(() => clipByGlobalNormInPlace([new Float32Array(1)], 0)).toThrow(/maxNorm must be a positive finite number, got 0/);
  });
});
