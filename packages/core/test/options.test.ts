// Options objects are read from their own enumerable properties only, the set
// that spread, Object.keys and JSON see. Anything else an ordinary property read
// would find (inherited through a prototype, a getter on a class, a property
// Object.prototype gained elsewhere, a non-enumerable one) is refused by name
// rather than used or ignored silently. Name patterns get the same clear errors.
import { afterEach, describe, expect, it } from 'vitest';
import {
  adamwStepInPlace,
  cosineWarmRestarts,
  initAdamW,
  initSGDW,
  matchesAny,
  noDecayRule,
  normalizedWeightDecay,
  resolveAdamWOptions,
  sgdwStepInPlace,
  type AdamWOptions,
  type NamePattern,
} from '../src/index.js';
import { createParallelAdamW, type ParallelAdamWOptions } from '../src/parallel/index.js';

afterEach(() => {
  delete (Object.prototype as Record<string, unknown>).lr;
  delete (Object.prototype as Record<string, unknown>).weight_decay;
});

function stepWith(options: unknown): void {
  const params = new Float32Array([1, 2]);
  adamwStepInPlace(params, new Float32Array([0.1, 0.2]), initAdamW(params), options as AdamWOptions);
}

describe('AdamW options inherited or hidden', () => {
  it('a misspelt option inherited through a prototype is refused, not ignored', () => {
    expect(() => stepWith(Object.create({ weight_decay: 0.1 }))).toThrow(
      /unknown AdamW option field 'weight_decay' \(inherited through the prototype of the options object\)/,
    );
  });

  it('a correct option inherited through a prototype is refused, not half-used (spread and the named step drop it)', () => {
    const options = Object.create({ lr: 0.5 }) as AdamWOptions;
    options.weightDecay = 0;
    expect(() => resolveAdamWOptions(options)).toThrow(/option lr is inherited through the prototype of the options object; pass options as own properties/);
  });

  it('a getter on a class is refused the same way', () => {
    class Options {
      get lr(): number {
        return 0.5;
      }
    }
    expect(() => stepWith(new Options())).toThrow(/option lr is inherited/);
  });

  it('a property someone added to Object.prototype is never read as an option', () => {
    const params = new Float32Array([1, 2]);
    const state = initAdamW(params);
    (Object.prototype as Record<string, unknown>).lr = 1000;
    expect(() => adamwStepInPlace(params, new Float32Array([0.1, 0.2]), state, {})).toThrow(
      /option lr is inherited through the prototype of the options object/,
    );
    expect(() => adamwStepInPlace(params, new Float32Array([0.1, 0.2]), state)).toThrow(/option lr is inherited/);
    expect(Array.from(params)).toEqual([1, 2]);
  });

  it('a non-enumerable own option is refused', () => {
    const options = Object.defineProperty({}, 'lr', { value: 0.5, enumerable: false });
    expect(() => stepWith(options)).toThrow(/option lr is not enumerable/);
  });

  it('a null-prototype options object is fine', () => {
    const options = Object.assign(Object.create(null) as object, { lr: 0.5 });
    expect(resolveAdamWOptions(options).lr).toBe(0.5);
  });

  it('SGDW options follow the same rule', () => {
    const params = new Float64Array([1]);
    expect(() => sgdwStepInPlace(params, new Float64Array([1]), initSGDW(params), Object.create({ momentun: 0.9 }))).toThrow(
      /unknown SGDW option field 'momentun' \(inherited/,
    );
  });

  it('parallel pool options follow the same rule', async () => {
    await expect(createParallelAdamW(Object.create({ worker: 2 }) as ParallelAdamWOptions)).rejects.toThrow(
      /unknown parallel AdamW option field 'worker' \(inherited/,
    );
    await expect(createParallelAdamW(Object.create({ workers: 2 }) as ParallelAdamWOptions)).rejects.toThrow(/option workers is inherited/);
  });

  it('schedule options: a misspelt own or inherited key is refused', () => {
    expect(() => cosineWarmRestarts({ period: 4, perodMultiplier: 2 } as never)).toThrow(/unknown cosineWarmRestarts option field 'perodMultiplier'/);
    expect(() => cosineWarmRestarts(Object.create({ period: 4 }) as never)).toThrow(/option period is inherited/);
    expect(() => normalizedWeightDecay({ lambdaNorm: 1, batchSize: 1, trainSize: 1, epochs: 1, epoch: 2 } as never)).toThrow(
      /unknown normalizedWeightDecay option field 'epoch'/,
    );
  });
});

describe('name patterns', () => {
  const bad: [string, unknown, RegExp][] = [
    ['a number', 5, /must be a name pattern \(a string, a RegExp or a function of the name\), got number 5/],
    ['null', null, /must be a name pattern .* got null/],
    ['an object', { match: 'bias' }, /must be a name pattern .* got Object/],
    ['a number inside a list', ['bias', 5], /\[1\] must be a name pattern .* got number 5/],
  ];
  for (const [what, patterns, message] of bad) {
    it(`${what}: a TypeError that names the pattern, from matchesAny and from noDecayRule when the rule is made`, () => {
      expect(() => matchesAny('fc.bias', patterns as NamePattern)).toThrow(message);
      expect(() => matchesAny('fc.bias', patterns as NamePattern)).toThrow(TypeError);
      expect(() => noDecayRule(patterns as NamePattern)).toThrow(message);
    });
  }

  it('good patterns still match as before', () => {
    expect(matchesAny('fc.bias', ['weight', /bias$/])).toBe(true);
    expect(matchesAny('fc.weight', (n: string) => n.endsWith('bias'))).toBe(false);
    expect(noDecayRule(['bias']).options).toEqual({ weightDecay: 0 });
  });
});
