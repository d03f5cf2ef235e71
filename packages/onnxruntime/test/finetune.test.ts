import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { main } from '../examples/finetune-head.js';
import { createOrtTrainer, readInitializers } from '../src/index.js';
import { resolveTrainable } from '../src/trainer/trainable.js';
import { classifierBatch, classifierModel } from './helpers/mlp.js';

/** Bit-for-bit equality of two arrays. */
function identical(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  return a.length === b.length && Array.from(a).every((v, i) => Object.is(v, b[i]));
}

describe('trainable names and patterns', () => {
  const model = classifierModel();

  it('select float initializers by substring, RegExp or predicate, in the model order', () => {
    expect(resolveTrainable(model, undefined)).toBeUndefined();
    expect(resolveTrainable(model, 'fc2')).toEqual(['fc2.weight', 'fc2.bias']);
    expect(resolveTrainable(model, /\.weight$/)).toEqual(['fc1.weight', 'fc2.weight']);
    expect(resolveTrainable(model, (n) => n === 'fc1.bias')).toEqual(['fc1.bias']);
    expect(resolveTrainable(model, ['fc2.bias', /^fc1\.w/])).toEqual(['fc1.weight', 'fc2.bias']);
  });

  it('refuse a pattern that matches nothing, naming it and the initializers', () => {
    expect(() => resolveTrainable(model, ['fc2', /^head\./])).toThrow(
      'trainable /^head\\./ matches no FLOAT or DOUBLE initializer of the model; they are: fc1.weight, fc1.bias, fc2.weight, fc2.bias',
    );
    expect(() => resolveTrainable(model, 'fc3')).toThrow(/trainable 'fc3' matches no FLOAT/);
    expect(() => resolveTrainable(model, [])).toThrow(/options\.trainable is empty/);
    expect(() => resolveTrainable(model, [3 as unknown as string])).toThrow(/options\.trainable\[0\] must be a name pattern/);
  });

  it('freeze the rest: no gradient output, no optimizer state, values bit-identical after training', async () => {
    const trainer = await createOrtTrainer({ model, trainable: 'fc2', optimizer: { lr: 0.05 }, ort });
    expect(trainer.training.parameters.map((p) => p.name)).toEqual(['fc2.weight', 'fc2.bias']);
    expect(Object.keys(trainer.parameters)).toEqual(['fc2.weight', 'fc2.bias']);
    expect(Object.keys(trainer.gradients)).toEqual(['fc2.weight', 'fc2.bias']);
    expect(Object.keys(trainer.states)).toEqual(['fc2.weight', 'fc2.bias']);
    const session = await ort.InferenceSession.create(trainer.training.model);
    expect(session.outputNames).toEqual(['loss', 'fc2.weight_grad', 'fc2.bias_grad']);
    await session.release();
    for (let s = 0; s < 5; s++) await trainer.step(classifierBatch(16, s));
    const before = readInitializers(model);
    const after = readInitializers(trainer.exportModel());
    expect(identical(after['fc1.weight']!, before['fc1.weight']!)).toBe(true);
    expect(identical(after['fc1.bias']!, before['fc1.bias']!)).toBe(true);
    expect(identical(after['fc2.weight']!, before['fc2.weight']!)).toBe(false);
    await trainer.release();
  });
});

describe('readInitializers', () => {
  it('reads the float initializers, or the named ones, and names one that is not there', () => {
    const model = classifierModel('float64');
    const all = readInitializers(model);
    expect(Object.keys(all)).toEqual(['fc1.weight', 'fc1.bias', 'fc2.weight', 'fc2.bias']);
    expect(all['fc1.weight']).toBeInstanceOf(Float64Array);
    expect(all['fc1.weight']).toHaveLength(32);
    expect(Object.keys(readInitializers(model, ['fc2.bias']))).toEqual(['fc2.bias']);
    expect(() => readInitializers(model, ['fc3.bias'])).toThrow("'fc3.bias' is not a FLOAT or DOUBLE initializer of the model");
  });
});

describe('examples/finetune-head.ts', () => {
  it('trains only the head of the torch-exported transformer; every other weight stays bit-identical', async () => {
    const lines: string[] = [];
    const r = await main(40, (l) => lines.push(l));
    expect(r.trained).toEqual(['head.weight', 'head.bias']);
    expect(r.after.loss).toBeLessThan(r.before.loss / 4);
    expect(r.after.accuracy).toBeGreaterThan(0.9);
    expect(r.before.accuracy).toBeLessThan(0.6);
    const before = readInitializers(r.original);
    const after = readInitializers(r.exported);
    expect(Object.keys(after)).toEqual(Object.keys(before));
    const frozen = Object.keys(before).filter((n) => !r.trained.includes(n));
    expect(frozen).toHaveLength(26);
    for (const name of frozen) expect(identical(after[name]!, before[name]!), name).toBe(true);
    for (const name of r.trained) expect(identical(after[name]!, before[name]!), name).toBe(false);
    expect(lines[0]).toBe('training head.weight, head.bias; 26 initializers frozen');
  });
});
