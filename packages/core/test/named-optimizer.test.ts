import { describe, expect, it, vi } from 'vitest';
import {
  adamwStepInPlace,
  clipByGlobalNormInPlace,
  cosineAnnealing,
  createAdamWArena,
  createNamedOptimizer,
  createStepProtocol,
  initAdamW,
  initSGDW,
  initSGDWNamed,
  sgdwStepInPlace,
  sgdwStepNamed,
  warnDeprecated,
} from '../src/index.js';

/** Two named parameters with gradients that change each step. */
function model() {
  const params = { 'fc.weight': new Float32Array([0.5, -1, 0.25, 2]), 'fc.bias': new Float32Array([0.1, -0.2]) };
  const grads = { 'fc.weight': new Float32Array(4), 'fc.bias': new Float32Array(2) };
  const fill = (t: number) => {
    grads['fc.weight'].set([0.3 - 0.1 * t, -0.2, 0.05 * t, 1]);
    grads['fc.bias'].set([0.4, -0.1 * t]);
  };
  return { params, grads, fill };
}

const bits = (a: Float32Array | Float64Array) => Array.from(a);

describe('createNamedOptimizer', () => {
  it('equals the single-array steps with η = schedule(t) and no decay for biases', () => {
    const { params, grads, fill } = model();
    const schedule = cosineAnnealing(5);
    const optimizer = createNamedOptimizer({ options: { lr: 0.1, weightDecay: 0.5 }, schedule }, params);
    const w = params['fc.weight'].slice();
    const b = params['fc.bias'].slice();
    const sw = initAdamW(w);
    const sb = initAdamW(b);
    for (let t = 0; t < 4; t++) {
      fill(t);
      const report = optimizer.step(params, grads);
      expect(report).toEqual({ applied: true, multiplier: schedule(t) });
      adamwStepInPlace(w, grads['fc.weight'], sw, { lr: 0.1, weightDecay: 0.5, scheduleMultiplier: schedule(t) });
      adamwStepInPlace(b, grads['fc.bias'], sb, { lr: 0.1, weightDecay: 0, scheduleMultiplier: schedule(t) });
    }
    expect(bits(params['fc.weight'])).toEqual(bits(w));
    expect(bits(params['fc.bias'])).toEqual(bits(b));
    expect(optimizer.stepCount).toBe(4);
    expect(optimizer.states['fc.weight']!.step).toBe(4);
  });

  it("kind 'sgdw' equals sgdwStepInPlace per name, and sgdwStepNamed equals both", () => {
    const { params, grads, fill } = model();
    const options = { lr: 0.05, momentum: 0.9, weightDecay: 0.1, decayScale: 'schedule' as const };
    const optimizer = createNamedOptimizer({ kind: 'sgdw', options, exclude: [] }, params);
    const copies = { 'fc.weight': params['fc.weight'].slice(), 'fc.bias': params['fc.bias'].slice() };
    const named = initSGDWNamed(copies, options);
    const w = params['fc.weight'].slice();
    const sw = initSGDW(w, options);
    for (let t = 0; t < 3; t++) {
      fill(t);
      sgdwStepInPlace(w, grads['fc.weight'], sw, options);
      sgdwStepNamed(copies, grads, named, options);
      optimizer.step(params, grads);
    }
    expect(bits(params['fc.weight'])).toEqual(bits(w));
    expect(bits(copies['fc.bias'])).toEqual(bits(params['fc.bias']));
    expect(optimizer.states['fc.weight']!.momentumBuffer).toBeInstanceOf(Float32Array);
  });

  it('clips the gradients in place as clip_grad_norm_ before the step, and reports the norm', () => {
    const a = model();
    const b = model();
    a.fill(0);
    b.fill(0);
    const optimizer = createNamedOptimizer({ clipGlobalNorm: 0.5, exclude: [] }, a.params);
    const report = optimizer.step(a.params, a.grads);
    const expected = clipByGlobalNormInPlace(b.grads, 0.5);
    expect(report.gradNorm).toBe(expected.norm);
    expect(report.clipScale).toBe(expected.scale);
    expect(bits(a.grads['fc.weight'])).toEqual(bits(b.grads['fc.weight']));
    const sw = initAdamW(b.params['fc.weight']);
    adamwStepInPlace(b.params['fc.weight'], b.grads['fc.weight'], sw);
    expect(bits(a.params['fc.weight'])).toEqual(bits(b.params['fc.weight']));
  });

  it("nonFinite 'skip' changes nothing, not even the step count, and says what was not finite", () => {
    const { params, grads, fill } = model();
    const optimizer = createNamedOptimizer({ nonFinite: 'skip' }, params);
    fill(0);
    grads['fc.bias'][1] = Number.NaN;
    const before = bits(params['fc.weight']);
    const report = optimizer.step(params, grads);
    expect(report.applied).toBe(false);
    expect(report.skipped).toBe("the gradient of 'fc.bias' has NaN at index 1");
    expect(bits(params['fc.weight'])).toEqual(before);
    expect(optimizer.stepCount).toBe(0);
    expect(optimizer.states['fc.weight']!.step).toBe(0);
    fill(0);
    expect(optimizer.step(params, grads, { loss: Number.POSITIVE_INFINITY }).skipped).toBe('the loss is Infinity');
  });

  it("nonFinite 'throw' (also given as options.nonFinite) throws naming the gradient and changes nothing", () => {
    const { params, grads, fill } = model();
    const optimizer = createNamedOptimizer({ options: { nonFinite: 'throw' } }, params);
    fill(0);
    grads['fc.weight'][2] = Number.NEGATIVE_INFINITY;
    const before = bits(params['fc.bias']);
    expect(() => optimizer.step(params, grads)).toThrow(/the gradient of 'fc.weight' has -Infinity at index 2; nonFinite: 'throw'/);
    expect(bits(params['fc.bias'])).toEqual(before);
    expect(optimizer.stepCount).toBe(0);
  });

  it("nonFiniteCheck: 'result' looks at what the update would write, after clipping, and changes nothing when it is not finite", () => {
    const params = { w: new Float32Array([-3.4e38, 1]), b: new Float32Array([1]) };
    const grads = { w: new Float32Array([1, 1]), b: new Float32Array([1]) };
    // A huge lr makes the first element overflow to -Infinity; nothing in the gradients is wrong.
    const config = { options: { lr: 1e37, weightDecay: 0, nonFiniteCheck: 'result' as const }, clipGlobalNorm: 10 };
    const throwing = createNamedOptimizer({ ...config, nonFinite: 'throw' }, params);
    expect(() => throwing.step(params, grads)).toThrow(/the update would make params\['w'\]\[0\] -Infinity; nonFinite: 'throw'/);
    expect(Array.from(params.w)).toEqual([Math.fround(-3.4e38), 1]);
    expect(throwing.states.w!.step).toBe(0);
    const skipping = createNamedOptimizer({ ...config, nonFinite: 'skip' }, params);
    const report = skipping.step(params, grads);
    expect(report.applied).toBe(false);
    expect(report.skipped).toMatch(/params\['w'\]\[0\] -Infinity/);
    expect([skipping.stepCount, skipping.states.b!.step, params.b[0]]).toEqual([0, 0, 1]);
    expect(() => createNamedOptimizer({ rules: [{ match: 'w', options: { nonFinite: 'skip' } }] }, params)).toThrow(
      /rules\[0\].options.nonFinite applies to the whole update/,
    );
  });

  it('checks everything before writing anything: a bad schedule value, a wrong length, shared arrays', () => {
    const { params, grads, fill } = model();
    fill(0);
    const before = bits(params['fc.weight']);
    const bad = createNamedOptimizer({ schedule: () => Number.NaN }, params);
    expect(() => bad.step(params, grads)).toThrow(/schedule\(0\) returned NaN/);
    const optimizer = createNamedOptimizer({}, params);
    expect(() => optimizer.step(params, { ...grads, 'fc.bias': new Float32Array(3) })).toThrow(/parameter 'fc.bias': grads has length 3/);
    const shared = new Float32Array(4);
    const twice = { a: shared, b: shared };
    const twiceOptimizer = createNamedOptimizer({}, twice);
    expect(() => twiceOptimizer.step(twice, { a: new Float32Array(4), b: new Float32Array(4) })).toThrow(/params\['a'\] and params\['b'\] share memory/);
    expect(() => optimizer.step({ 'fc.weight': params['fc.weight'] } as typeof params, { 'fc.weight': grads['fc.weight'] } as typeof grads)).toThrow(
      /params has no entry for 'fc.bias'/,
    );
    expect(bits(params['fc.weight'])).toEqual(before);
    expect(optimizer.stepCount).toBe(0);
  });

  it('refuses a bad config with a message naming the field', () => {
    const params = { w: new Float64Array(2) };
    expect(() => createNamedOptimizer({ excluded: [] } as never, params)).toThrow(/unknown optimizer config field 'excluded'/);
    expect(() => createNamedOptimizer({ kind: 'adam' } as never, params)).toThrow(/kind must be one of 'adamw', 'sgdw'/);
    expect(() => createNamedOptimizer({ exclude: 5 } as never, params)).toThrow(/exclude must be a name pattern .* got number 5/);
    expect(() => createNamedOptimizer({ exclude: ['bias', null] } as never, params)).toThrow(/exclude\[1\] must be a name pattern/);
    expect(() => createNamedOptimizer({ options: { scheduleMultiplier: 2 }, schedule: () => 1 }, params)).toThrow(/cannot be combined/);
    expect(() => createNamedOptimizer({ clipGlobalNorm: -1 }, params)).toThrow(/clipGlobalNorm must be a positive finite number/);
    expect(() => createNamedOptimizer({ nonFinite: 'skip', options: { nonFinite: 'throw' } }, params)).toThrow(/give one of them/);
    expect(() => createNamedOptimizer({ options: { lr: -1 } }, params)).toThrow(/option lr must be/);
    expect(() => createNamedOptimizer({ rules: [{ match: 'w', options: { beta1: 2 } }] }, params)).toThrow(/parameter 'w': option beta1/);
    expect(() => createNamedOptimizer({ kind: 'sgdw', options: { beta1: 0.9 } as never }, params)).toThrow(/unknown SGDW option field 'beta1'/);
  });

  it('rules override per name after exclude; a string pattern matches names that contain it', () => {
    const protocol = createStepProtocol({ options: { weightDecay: 0.1 }, exclude: ['bias'], rules: [{ match: /^head\./, options: { lr: 1e-2 } }] });
    expect(protocol.optionsFor('head.bias', 1)).toMatchObject({ lr: 1e-2, weightDecay: 0 });
    expect(protocol.optionsFor('encoder.layers.0.bias_k', 1).weightDecay).toBe(0);
    expect(protocol.optionsFor('encoder.weight', 0.5)).toMatchObject({ lr: 1e-3, weightDecay: 0.1, scheduleMultiplier: 0.5, nonFinite: 'propagate' });
    const global = createStepProtocol({ exclude: /bias/g });
    expect([global.excludes('a.bias'), global.excludes('a.bias'), global.excludes('a.weight')]).toEqual([true, true, false]);
  });

  it('serialize and deserialize continue a run bit for bit; a mismatched state is refused and nothing changes', () => {
    const a = model();
    const b = model();
    const config = { options: { lr: 0.1, amsgrad: true }, schedule: (t: number) => 1 / (t + 1) };
    const first = createNamedOptimizer(config, a.params);
    for (let t = 0; t < 3; t++) {
      a.fill(t);
      first.step(a.params, a.grads);
    }
    const second = createNamedOptimizer(config, b.params);
    b.params['fc.weight'].set(a.params['fc.weight']);
    b.params['fc.bias'].set(a.params['fc.bias']);
    const m = second.states['fc.weight']!.m;
    second.deserialize(first.serialize());
    expect(second.states['fc.weight']!.m).toBe(m);
    expect(second.stepCount).toBe(3);
    a.fill(3);
    b.fill(3);
    first.step(a.params, a.grads);
    second.step(b.params, b.grads);
    expect(bits(b.params['fc.weight'])).toEqual(bits(a.params['fc.weight']));

    const plain = createNamedOptimizer({}, model().params);
    plain.deserialize(first.serialize()); // amsgrad turned off: vMax is ignored, as torch ignores unused state
    expect(plain.states['fc.weight']!.m).toEqual(first.states['fc.weight']!.m);
    const ams = createNamedOptimizer({ options: { amsgrad: true } }, model().params);
    expect(() => ams.deserialize(plain.serialize())).toThrow(/has no vMax, which amsgrad needs/);
    const states = { ...second.states, 'fc.bias': { ...second.states['fc.bias']!, v: new Float32Array(5) } };
    expect(() => second.setState({ stepCount: 9, states })).toThrow(/the stored state\['fc.bias'\].v has length 5/);
    expect(() => second.setState({ stepCount: 9, states: { ...second.states, extra: second.states['fc.bias']! } })).toThrow(
      /'extra', which is not a parameter/,
    );
    expect(second.stepCount).toBe(4);
    const sgd = createNamedOptimizer({ kind: 'sgdw' }, model().params);
    expect(() => sgd.deserialize(first.serialize())).toThrow(/'adamw' optimizer, this one is 'sgdw'/);
  });

  it('uses states the caller made (in an AdamW arena) in place', () => {
    const arena = createAdamWArena(1 << 16);
    const params = { w: arena.float32(3) };
    params.w.set([1, 2, 3]);
    const grads = { w: arena.float32(3) };
    grads.w.set([0.1, 0.2, 0.3]);
    const states = { w: arena.initAdamW(params.w) };
    const optimizer = createNamedOptimizer({}, params, states);
    optimizer.step(params, grads);
    expect(optimizer.states.w).toBe(states.w);
    expect(states.w.step).toBe(1);
    const lone = new Float32Array([1, 2, 3]);
    adamwStepInPlace(lone, new Float32Array([0.1, 0.2, 0.3]), initAdamW(lone));
    expect(bits(params.w)).toEqual(bits(lone));
    expect(() => createNamedOptimizer({ options: { amsgrad: true } }, params, states)).toThrow(/has no vMax, which amsgrad needs/);
  });
});

describe('warnDeprecated', () => {
  it('reports each message once, as a DeprecationWarning', () => {
    const emit = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    try {
      warnDeprecated('option x is deprecated; use y');
      warnDeprecated('option x is deprecated; use y');
      expect(emit).toHaveBeenCalledTimes(1);
      expect(emit).toHaveBeenCalledWith('option x is deprecated; use y', 'DeprecationWarning');
    } finally {
      emit.mockRestore();
    }
  });
});
