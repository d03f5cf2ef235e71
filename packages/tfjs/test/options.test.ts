import { DEFAULT_NO_DECAY, cosineAnnealing, cosineWarmRestarts, linearWarmup } from '@adamw/core';
import { describe, expect, it } from 'vitest';
import { adamw, baseName, isExcluded, pathForBackend, resolveTfjsOptions, scheduleFromConfig } from '../src/index.js';
import './helpers.js';

describe('options', () => {
  it('fills in torch defaults and excludes biases and norms by default', () => {
    const o = resolveTfjsOptions();
    expect(o.core).toMatchObject({ lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 1e-2, nonFinite: 'propagate' });
    expect(o.protocol.optionsFor('dense_Dense1/bias_1', 1).weightDecay).toBe(0);
    expect(o.protocol.optionsFor('dense_Dense1/kernel', 1).weightDecay).toBe(1e-2);
    expect(o.exclude).toBe(DEFAULT_NO_DECAY);
    expect(o.path).toBe('auto');
    expect(o.inPlace).toBe(true);
  });

  it('rejects unknown keys, naming them', () => {
    expect(() => adamw({ weight_decay: 0.1 } as never)).toThrow(/unknown AdamW option 'weight_decay'/);
    expect(() => adamw({ learningRate: 0.1 } as never)).toThrow(TypeError);
  });

  it('rejects values out of range with the option name', () => {
    expect(() => adamw({ lr: -1 })).toThrow(/lr/);
    expect(() => adamw({ beta2: 1 })).toThrow(/beta2/);
    expect(() => adamw({ clipGlobalNorm: 0 })).toThrow(/clipGlobalNorm/);
    expect(() => adamw({ clipGlobalNorm: Number.NaN })).toThrow(/clipGlobalNorm/);
    expect(() => adamw({ path: 'gpu' as never })).toThrow(/path/);
    expect(() => adamw({ exclude: [3 as never] })).toThrow(/exclude\[0\]/);
    expect(() => adamw({ nonFinite: 'ignore' as never })).toThrow(/nonFinite/);
    expect(() => adamw({ inPlace: 'yes' as never })).toThrow(/inPlace must be a boolean/);
    expect(() => adamw({ nonFinite: 'throw', nonFiniteCheck: 'result' })).toThrow(/nonFiniteCheck: 'result' is not available in @adamw\/tfjs/);
  });

  it('refuses a schedule together with scheduleMultiplier', () => {
    expect(() => adamw({ schedule: () => 1, scheduleMultiplier: 0.5 })).toThrow(/cannot be combined/);
  });

  it('matches exclusion patterns on the name and on the name tfjs deduplicated', () => {
    expect(baseName('dense_Dense1/bias_1')).toBe('dense_Dense1/bias');
    expect(baseName('dense_Dense1/kernel')).toBe('dense_Dense1/kernel');
    expect(isExcluded('dense_Dense1/bias', DEFAULT_NO_DECAY)).toBe(true);
    expect(isExcluded('dense_Dense1/bias_1', DEFAULT_NO_DECAY)).toBe(true);
    expect(isExcluded('dense_Dense1/kernel', DEFAULT_NO_DECAY)).toBe(false);
    expect(isExcluded('dense_Dense1/kernel_1', DEFAULT_NO_DECAY)).toBe(false);
    expect(isExcluded('batch_normalization_BatchNormalization1/gamma', DEFAULT_NO_DECAY)).toBe(true);
    expect(isExcluded('layer_normalization_LayerNormalization1/beta_2', DEFAULT_NO_DECAY)).toBe(true);
    expect(isExcluded('embedding/embeddings', ['embed'])).toBe(true);
    expect(isExcluded('dense_Dense1/bias', [])).toBe(false);
    const optimizer = adamw({ exclude: [(name) => name.startsWith('head/')] });
    expect(optimizer.isExcluded('head/kernel')).toBe(true);
    expect(optimizer.isExcluded('body/bias')).toBe(false);
  });

  it("resolves 'auto' by backend name", () => {
    expect(pathForBackend('auto', 'cpu')).toBe('arrays');
    expect(pathForBackend('auto', 'wasm')).toBe('arrays');
    expect(pathForBackend('auto', 'webgl')).toBe('ops');
    expect(pathForBackend('auto', 'webgpu')).toBe('ops');
    expect(pathForBackend('ops', 'cpu')).toBe('ops');
    expect(pathForBackend('arrays', 'webgl')).toBe('arrays');
  });
});

describe('schedule configs', () => {
  it('build the core schedules of the same name', () => {
    const pairs = [
      [scheduleFromConfig({ type: 'cosineAnnealing', totalSteps: 10, min: 0.1 }), cosineAnnealing(10, 0.1)],
      [scheduleFromConfig({ type: 'cosineWarmRestarts', period: 3, periodMultiplier: 2 }), cosineWarmRestarts({ period: 3, periodMultiplier: 2 })],
      [scheduleFromConfig({ type: 'linearWarmup', warmupSteps: 4, after: { type: 'cosineAnnealing', totalSteps: 6 } }), linearWarmup(4, cosineAnnealing(6))],
      [scheduleFromConfig({ type: 'linearWarmup', warmupSteps: 2 }), linearWarmup(2)],
    ] as const;
    for (const [fromConfig, core] of pairs) {
      for (let t = 0; t < 15; t++) expect(fromConfig(t)).toBe(core(t));
    }
    expect(scheduleFromConfig({ type: 'constant', value: 0.25 })(7)).toBe(0.25);
  });

  it('reject unknown types and fields and bad values', () => {
    expect(() => scheduleFromConfig({ type: 'step' } as never)).toThrow(/schedule.type must be one of/);
    expect(() => scheduleFromConfig({ type: 'cosineAnnealing', totalSteps: 5, period: 2 } as never)).toThrow(/unknown field 'period'/);
    expect(() => scheduleFromConfig({ type: 'linearWarmup', warmupSteps: 2, after: { type: 'x' } } as never)).toThrow(/schedule.after.type/);
    expect(() => scheduleFromConfig({ type: 'cosineAnnealing', totalSteps: 0 })).toThrow(/totalSteps/);
  });
});
