import { describe, expect, it } from 'vitest';
import {
  adamwStepInPlace,
  deserializeAdamWState,
  deserializeCheckpoint,
  initAdamW,
  initSGDW,
  packArrays,
  serializeAdamWState,
  serializeCheckpoint,
  unpackArrays,
  type Json,
} from '../src/index.js';

function trainedState(Ctor: Float32ArrayConstructor | Float64ArrayConstructor, amsgrad: boolean) {
  const params = new Ctor([0.1, -0.2, 0.3, 1e-30, -5]);
  const state = initAdamW(params, { amsgrad });
  for (let i = 0; i < 3; i++) adamwStepInPlace(params, new Ctor([0.5, -0.25, 1e-3, 7, Math.PI * i]), state, { amsgrad });
  return { params, state };
}

describe('AdamW state codec', () => {
  for (const Ctor of [Float32Array, Float64Array]) {
    for (const amsgrad of [false, true]) {
      it(`round-trips exactly (${Ctor.name}, amsgrad ${amsgrad})`, () => {
        const { state } = trainedState(Ctor, amsgrad);
        state.step = 2 ** 40 + 3;
        const back = deserializeAdamWState(serializeAdamWState(state));
        expect(back.step).toBe(state.step);
        expect(back.m).toBeInstanceOf(Ctor);
        expect(Array.from(back.m)).toEqual(Array.from(state.m));
        expect(Array.from(back.v)).toEqual(Array.from(state.v));
        expect(back.vMax === undefined).toBe(!amsgrad);
        if (amsgrad) expect(Array.from(back.vMax!)).toEqual(Array.from(state.vMax!));
      });
    }
  }

  it('resuming from the bytes continues bit for bit', () => {
    const a = trainedState(Float32Array, true);
    const b = { params: a.params.slice(), state: deserializeAdamWState(serializeAdamWState(a.state)) as typeof a.state };
    for (let i = 0; i < 5; i++) {
      const g = new Float32Array([i, -i, 0.5, 0.25, -1]);
      adamwStepInPlace(a.params, g, a.state, { amsgrad: true });
      adamwStepInPlace(b.params, g, b.state, { amsgrad: true });
    }
    expect(Array.from(b.params)).toEqual(Array.from(a.params));
  });

  const bytes = serializeAdamWState(trainedState(Float64Array, false).state);
  it('rejects truncated bytes', () => {
    expect(() => deserializeAdamWState(bytes.subarray(0, bytes.length - 9))).toThrow(/truncated/);
    expect(() => deserializeAdamWState(bytes.subarray(0, 10))).toThrow(/not an adamw archive/);
  });
  it('rejects every single flipped bit', () => {
    for (let i = 0; i < bytes.length; i += 7) {
      const corrupt = bytes.slice();
      corrupt[i] = corrupt[i]! ^ (1 << (i % 8));
      expect(() => deserializeAdamWState(corrupt), `byte ${i}`).toThrow(/adamw archive|adamw-state|checksum|version/);
    }
  });
  it('rejects foreign bytes and archives of another kind', () => {
    expect(() => deserializeAdamWState(new TextEncoder().encode('{"step": 3, "m": [1, 2]}'))).toThrow(/not an adamw archive/);
    const other = packArrays({ kind: 'something-else', meta: null, arrays: {} });
    expect(() => deserializeAdamWState(other)).toThrow(/holds 'something-else', not 'adamw-state'/);
  });
});

describe('checkpoints and archives', () => {
  it('round-trip params, AdamW and SGDW states and metadata', () => {
    const { params, state } = trainedState(Float32Array, false);
    const bias = new Float64Array([1, 2]);
    const sgd = initSGDW(bias, { momentum: 0.9 });
    sgd.step = 12;
    sgd.momentumBuffer![0] = 0.5;
    const bytes = serializeCheckpoint({ params: { w: params, b: bias }, states: { w: state, b: sgd }, meta: { epoch: 3, note: 'x' } });
    const back = deserializeCheckpoint(bytes);
    expect(back.meta).toEqual({ epoch: 3, note: 'x' });
    expect(Array.from(back.params.w!)).toEqual(Array.from(params));
    expect(back.params.b).toBeInstanceOf(Float64Array);
    expect(back.states.w).toEqual(state);
    expect(back.states.b).toEqual(sgd);
  });
  it('aligns arrays so that odd float32 lengths do not break float64 arrays after them', () => {
    const archive = {
      kind: 'k',
      meta: { a: [1, 'b', null, true] },
      arrays: { a: new Float32Array([1, 2, 3]), b: new Float64Array([Math.PI, -0, Number.MIN_VALUE]) },
    };
    const back = unpackArrays(packArrays(archive), 'k');
    expect(back).toEqual(archive);
    expect(Object.is(back.arrays.b![1], -0)).toBe(true);
  });
});

describe('names and shapes are checked when saving, so that every file written can be read back', () => {
  const p = () => new Float32Array([1, 2]);
  const s = () => initAdamW(p());

  for (const name of ['__proto__', 'constructor', 'prototype']) {
    it(`a parameter or state named '${name}' is refused with a TypeError naming it`, () => {
      expect(() => serializeCheckpoint({ params: { [name]: p() }, states: {} })).toThrow(new RegExp(`parameter name '${name}' is reserved`));
      expect(() => serializeCheckpoint({ params: {}, states: { [name]: s() } })).toThrow(new RegExp(`state name '${name}' is reserved`));
      expect(() => serializeCheckpoint({ params: {}, states: { [name]: s() } })).toThrow(TypeError);
    });
  }

  it("an array named '__proto__' and a '__proto__' key in the metadata are refused", () => {
    expect(() => packArrays({ kind: 'k', meta: null, arrays: { ['__proto__']: p() } })).toThrow(/array name '__proto__' is reserved/);
    const meta = JSON.parse('{"a": {"__proto__": 1}}') as Json;
    expect(() => packArrays({ kind: 'k', meta, arrays: {} })).toThrow(/the metadata holds a key '__proto__'/);
    expect(() => serializeCheckpoint({ params: {}, states: {}, meta })).toThrow(/the metadata holds a key '__proto__'/);
  });

  it('moments of another length than each other or than their parameter are refused', () => {
    const state = s();
    expect(() => serializeCheckpoint({ params: { w: new Float32Array(3) }, states: { w: state } })).toThrow(
      /states\['w'\]\.m has length 2 but params\['w'\] has length 3/,
    );
    expect(() => serializeCheckpoint({ params: {}, states: { w: { ...state, v: new Float32Array(5) } } })).toThrow(
      /states\['w'\]\.v has length 5 but states\['w'\]\.m has length 2/,
    );
    expect(() => serializeCheckpoint({ params: {}, states: { w: { step: 1, v: new Float32Array(2) } as never } })).toThrow(/states\['w'\] has v but no m/);
  });

  it('decoded checkpoints keep their names in records without a prototype', () => {
    const back = deserializeCheckpoint(serializeCheckpoint({ params: { w: p() }, states: { w: s() } }));
    expect(Object.getPrototypeOf(back.params)).toBe(null);
    expect(Object.getPrototypeOf(back.states)).toBe(null);
    expect(back.params.toString).toBeUndefined();
    expect(Object.getPrototypeOf(unpackArrays(packArrays({ kind: 'k', meta: null, arrays: { a: p() } })).arrays)).toBe(null);
  });
});
