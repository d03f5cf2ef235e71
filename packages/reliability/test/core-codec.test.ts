// Forged archives: bytes whose checksum is right but whose header lies about
// sizes, offsets and types, or whose names reach for a prototype. Each is
// refused with an error that says what is wrong, before anything is allocated,
// and no load adds a property to any built-in object.
import { deserializeAdamWState, deserializeCheckpoint, packArrays, unpackArrays, type Checkpoint } from '@adamw/core';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { craftArchive, jsonObject, prototypeSnapshot, restorePrototypes } from '../src/index.js';

afterEach(() => restorePrototypes());

const RUNS = { numRuns: Number(process.env.ADAMW_PROPERTY_RUNS ?? 300) };

/** Little-endian bytes of float32 values. */
const f32 = (values: number[]): Uint8Array => new Uint8Array(new Float32Array(values).buffer);

/** An entry of the header's array table. */
interface Entry {
  name: string;
  dtype: unknown;
  length: unknown;
  offset: unknown;
}

function forged(kind: string, meta: string, arrays: readonly Entry[] | string, data: Uint8Array): Uint8Array {
  const table = typeof arrays === 'string' ? arrays : JSON.stringify(arrays);
  return craftArchive(`{"kind":${JSON.stringify(kind)},"meta":${meta},"arrays":${table}}`, data);
}

const state = (arrays: readonly Entry[] | string, data: Uint8Array, meta = '{"step":1}') => forged('adamw-state', meta, arrays, data);

/** Bytes of ArrayBuffers allocated while `f` runs (what a lying header would make the decoder allocate). */
function allocatedDuring(f: () => void): number {
  const before = process.memoryUsage().arrayBuffers;
  f();
  return process.memoryUsage().arrayBuffers - before;
}

function refusal(f: () => unknown): Error {
  try {
    f();
  } catch (error) {
    return error as Error;
  }
  throw new Error('the forged archive was accepted');
}

describe('a forged header is checked against the bytes before anything is allocated', () => {
  const m = { name: 'm', dtype: 'float32', length: 4, offset: 0 };
  const v = { name: 'v', dtype: 'float32', length: 4, offset: 16 };
  const two = new Uint8Array(32);

  it('a header claiming 2^27 elements for 4 stored values allocates nothing and says which array lies', () => {
    const bytes = state(
      [
        { ...m, length: 2 ** 27 },
        { ...v, offset: 0 },
      ],
      f32([1, 2, 3, 4]),
    );
    let error: Error | undefined;
    expect(allocatedDuring(() => (error = refusal(() => deserializeAdamWState(bytes))))).toBeLessThan(1 << 20);
    expect(error!.message).toMatch(
      /corrupt adamw archive: array 'm' \(float32 × 134217728 = 536870912 bytes at offset 0\) does not fit in the 16 bytes of data/,
    );
  });

  it('a header claiming 2^40 elements gets the same clear error, not "Invalid typed array length"', () => {
    const bytes = state(
      [
        { ...m, length: 2 ** 40 },
        { ...v, offset: 0 },
      ],
      f32([1, 2, 3, 4]),
    );
    expect(() => deserializeAdamWState(bytes)).toThrow(/corrupt adamw archive: array 'm' .* does not fit/);
  });

  const cases: [string, readonly Entry[] | string, Uint8Array, RegExp][] = [
    [
      'an offset pointing into the header',
      [
        { ...m, offset: -16 },
        { ...v, offset: 0 },
      ],
      new Uint8Array(16),
      /array 'm' .*offset -16/,
    ],
    [
      'an unknown dtype (once read as float64)',
      [
        { ...m, dtype: 'int8', length: 2 },
        { ...v, dtype: 'float64', length: 2 },
      ],
      two,
      /array 'm' has dtype 'int8'; expected 'float32' or 'float64'/,
    ],
    ['a fractional length', [{ ...m, length: 3.5 }, v], two, /array 'm' has length 3.5/],
    ['a length given as a string', [{ ...m, length: '4' }, v], two, /array 'm' has length "4"/],
    ['an offset off the 8-byte grid', [m, { ...v, offset: 17 }], new Uint8Array(40), /array 'v' starts at offset 17; expected 16/],
    ['two arrays over the same bytes', [m, { ...v, offset: 0 }], new Uint8Array(16), /array 'v' starts at offset 0; expected 16/],
    ['a gap between arrays', [m, { ...v, offset: 24 }], new Uint8Array(40), /array 'v' starts at offset 24; expected 16/],
    ['the same name twice', [m, { ...v, name: 'm' }], two, /array 'm' appears twice/],
    ['a name that is not a string', [{ ...m, name: 7 as unknown as string }, v], two, /array 0 has no name/],
    ['an array table that is not a list', '{"m":1}', two, /the header's array table is not a list/],
    ['an entry that is not an object', '[null]', two, /array 0 is not described by an object/],
  ];
  for (const [what, arrays, data, message] of cases) {
    it(`${what} is refused`, () => {
      expect(() => unpackArrays(state(arrays, data))).toThrow(message);
      expect(() => deserializeAdamWState(state(arrays, data))).toThrow(/corrupt adamw archive/);
    });
  }

  it('a header that is not an object, or has no kind, is refused', () => {
    for (const header of ['[]', 'null', '"adamw-state"', '{"meta":null,"arrays":[]}', '{"kind":5,"meta":null,"arrays":[]}']) {
      expect(() => unpackArrays(craftArchive(header)), header).toThrow(/corrupt adamw archive: the header/);
    }
  });

  it('m and v of different lengths are not a state', () => {
    const bytes = state([m, { ...v, length: 3 }], two);
    expect(() => deserializeAdamWState(bytes)).toThrow(/corrupt adamw-state archive: v has length 3 but m has length 4/);
    const mixed = state([m, { ...v, dtype: 'float64', length: 2 }], two);
    expect(() => deserializeAdamWState(mixed)).toThrow(/corrupt adamw-state archive: v is float64 but m is float32/);
    const extra = state([m, v, { name: 'w', dtype: 'float32', length: 0, offset: 32 }], two);
    expect(() => deserializeAdamWState(extra)).toThrow(/corrupt adamw-state archive: unexpected array 'w'/);
  });

  it('a checkpoint whose moments disagree with each other or with their parameter is refused', () => {
    const meta = '{"steps":{"w":1},"user":null}';
    const entries = (mLength: number, vLength: number, pLength: number): Entry[] => [
      { name: 'param/w', dtype: 'float32', length: pLength, offset: 0 },
      { name: 'state/w/m', dtype: 'float32', length: mLength, offset: 16 },
      { name: 'state/w/v', dtype: 'float32', length: vLength, offset: 32 },
    ];
    const load = (e: Entry[]) => deserializeCheckpoint(forged('adamw-checkpoint', meta, e, new Uint8Array(48)));
    expect(load(entries(4, 4, 4)).states.w!.step).toBe(1);
    expect(() => load(entries(4, 3, 4))).toThrow(/corrupt adamw-checkpoint archive: states\['w'\]\.v has length 3 but states\['w'\]\.m has length 4/);
    expect(() => load(entries(4, 4, 3))).toThrow(/corrupt adamw-checkpoint archive: states\['w'\]\.m has length 4 but params\['w'\] has length 3/);
    const vOnly = [entries(4, 4, 4)[0]!, { ...entries(4, 4, 4)[2]!, offset: 16 }];
    expect(() => deserializeCheckpoint(forged('adamw-checkpoint', meta, vOnly, new Uint8Array(32)))).toThrow(/states\['w'\] has v but no m/);
    const badStep = forged('adamw-checkpoint', '{"steps":{"w":"1"},"user":null}', entries(4, 4, 4), new Uint8Array(48));
    expect(() => deserializeCheckpoint(badStep)).toThrow(
      /corrupt adamw-checkpoint archive: the stored step of 'w' must be a non-negative safe integer, got "1"/,
    );
    const noSteps = forged('adamw-checkpoint', '{"user":null}', entries(4, 4, 4), new Uint8Array(48));
    expect(() => deserializeCheckpoint(noSteps)).toThrow(/corrupt adamw-checkpoint archive: the metadata has no step counts/);
  });

  it('property: whatever a forged table says, the decoder allocates at most what the bytes hold, and refuses clearly otherwise', () => {
    const entry = fc.record({
      name: fc.constantFrom('m', 'v', 'vMax', 'x'),
      dtype: fc.constantFrom<unknown>('float32', 'float64', 'int8', 'float16', 4, null),
      length: fc.oneof(fc.nat(6), fc.constantFrom<unknown>(2 ** 27, 2 ** 40, 2 ** 53, -1, 1.5, '4', null, Infinity)),
      offset: fc.oneof(
        fc.nat(6).map((k) => 8 * k),
        fc.constantFrom<unknown>(-16, -8, 3, 2 ** 31, 1e300),
      ),
    });
    fc.assert(
      fc.property(fc.array(entry, { maxLength: 4 }), fc.nat(64), (arrays, dataBytes) => {
        const bytes = state(arrays, new Uint8Array(dataBytes));
        let decoded: ReturnType<typeof unpackArrays> | undefined;
        let error: unknown;
        const allocated = allocatedDuring(() => {
          try {
            decoded = unpackArrays(bytes, 'adamw-state');
          } catch (e) {
            error = e;
          }
        });
        expect(allocated).toBeLessThan(1 << 20);
        if (decoded === undefined) {
          expect(error).toBeInstanceOf(Error);
          expect((error as Error).message).toMatch(/^(truncated or corrupt|corrupt|truncated|over-long) adamw archive: /);
          return;
        }
        let total = 0;
        for (const a of Object.values(decoded.arrays)) {
          expect(a instanceof Float32Array || a instanceof Float64Array).toBe(true);
          total += a.byteLength;
        }
        expect(total).toBeLessThanOrEqual(dataBytes);
      }),
      RUNS,
    );
  });
});

describe('names that reach for a prototype', () => {
  // Each array holds two float32 values: 8 bytes, right after the previous one.
  const data = (arrays: Entry[]) => new Uint8Array(8 * arrays.length);
  const checkpoint = (steps: string, arrays: Entry[], user = 'null') =>
    forged(
      'adamw-checkpoint',
      jsonObject([
        ['steps', steps],
        ['user', user],
      ]),
      arrays,
      data(arrays),
    );
  const array = (name: string, offset = 0): Entry => ({ name, dtype: 'float32', length: 2, offset });

  const archive = (b: Uint8Array) => unpackArrays(b);
  const cases: [string, Uint8Array, (b: Uint8Array) => unknown, RegExp][] = [
    [
      'state/__proto__/v with no such step: once wrote v onto Object.prototype',
      checkpoint('{}', [array('state/__proto__/v')]),
      deserializeCheckpoint,
      /'__proto__'/,
    ],
    ['state/__proto__/m with a step stored under __proto__', checkpoint('{"__proto__":3}', [array('state/__proto__/m')]), deserializeCheckpoint, /'__proto__'/],
    ['param/__proto__: once became the prototype of params', checkpoint('{}', [array('param/__proto__')]), deserializeCheckpoint, /'__proto__'/],
    ['state/constructor/m: once wrote m onto the Object function', checkpoint('{}', [array('state/constructor/m')]), deserializeCheckpoint, /'constructor'/],
    ['state/prototype/m with a step', checkpoint('{"prototype":1}', [array('state/prototype/m')]), deserializeCheckpoint, /'prototype'/],
    [
      'state/toString/m: once wrote m onto Object.prototype.toString',
      checkpoint('{}', [array('state/toString/m')]),
      deserializeCheckpoint,
      /unexpected array 'state\/toString\/m'/,
    ],
    ['state/hasOwnProperty/v', checkpoint('{}', [array('state/hasOwnProperty/v')]), deserializeCheckpoint, /unexpected array/],
    ['a state field named __proto__', checkpoint('{"w":1}', [array('state/w/__proto__')]), deserializeCheckpoint, /unexpected array 'state\/w\/__proto__'/],
    ['an array named __proto__', forged('anything', 'null', [array('__proto__')], data([array('__proto__')])), archive, /'__proto__'/],
    ['a __proto__ key in the user metadata', checkpoint('{}', [], '{"a":{"__proto__":{"polluted":true}}}'), deserializeCheckpoint, /'__proto__'/],
    [
      'a __proto__ key in a state archive',
      state([array('m'), array('v', 8)], new Uint8Array(16), '{"step":1,"__proto__":{"step":2}}'),
      deserializeAdamWState,
      /'__proto__'/,
    ],
  ];
  for (const [what, bytes, load, message] of cases) {
    it(`${what}: refused, and no built-in gains a property`, () => {
      const before = prototypeSnapshot();
      expect(() => load(bytes)).toThrow(message);
      expect(() => load(bytes)).toThrow(/^corrupt adamw/);
      expect(prototypeSnapshot()).toEqual(before);
      const keys: string[] = [];
      for (const key in {}) keys.push(key);
      expect(keys).toEqual([]);
    });
  }

  it('what a load returns holds its names in records without a prototype', () => {
    const bytes = packArrays({ kind: 'k', meta: null, arrays: { toString: new Float32Array(1), valueOf: new Float64Array(2) } });
    const archive = unpackArrays(bytes, 'k');
    expect(Object.getPrototypeOf(archive.arrays)).toBe(null);
    expect(Object.keys(archive.arrays)).toEqual(['toString', 'valueOf']);
    const ckpt = deserializeCheckpoint(
      forged(
        'adamw-checkpoint',
        '{"steps":{"toString":2},"user":null}',
        [array('param/toString'), array('state/toString/momentumBuffer', 8)],
        new Uint8Array(16),
      ),
    ) as Checkpoint;
    expect(Object.getPrototypeOf(ckpt.params)).toBe(null);
    expect(Object.getPrototypeOf(ckpt.states)).toBe(null);
    const inherited: string = 'toString';
    expect(ckpt.states[inherited]!.step).toBe(2);
    expect(ckpt.params.constructor).toBeUndefined();
  });

  it('property: no forged archive, loaded as a checkpoint, a state or an archive, adds a property to any built-in', () => {
    const NAMES = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf', '__defineGetter__', 'isPrototypeOf', 'w', 'b.bias', ''];
    const FIELDS = ['m', 'v', 'vMax', 'momentumBuffer', '__proto__', 'constructor', 'prototype', 'length'];
    const name = fc.constantFrom(...NAMES);
    const key = fc.oneof(
      name.map((n) => `param/${n}`),
      fc.tuple(name, fc.constantFrom(...FIELDS)).map(([n, f]) => `state/${n}/${f}`),
      fc.tuple(name, name, fc.constantFrom(...FIELDS)).map(([a, b, f]) => `state/${a}/${b}/${f}`),
      name,
      fc.constantFrom(...FIELDS),
    );
    const stepValue = fc.constantFrom('1', '0', '-1', '"x"', '{}', '{"m":1}', 'null', '9007199254740993', '[2]');
    const objectOf = (value: fc.Arbitrary<string>) => fc.array(fc.tuple(name, value), { maxLength: 4 }).map((entries) => jsonObject(entries));
    const json: fc.Arbitrary<string> = fc.letrec((tie) => ({
      value: fc.oneof(
        { depthSize: 'small' },
        fc.constantFrom('null', '1', '"s"', 'true'),
        objectOf(tie('value') as fc.Arbitrary<string>),
        fc.array(tie('value') as fc.Arbitrary<string>, { maxLength: 2 }).map((xs) => `[${xs.join(',')}]`),
      ),
    })).value;
    const meta = fc.oneof(
      fc.tuple(objectOf(stepValue), json).map(([steps, user]) =>
        jsonObject([
          ['steps', steps],
          ['user', user],
        ]),
      ),
      fc.tuple(stepValue, objectOf(json)).map(([step, rest]) => `{"step":${step}${rest === '{}' ? '' : `,${rest.slice(1, -1)}`}}`),
      objectOf(json),
    );
    const arrays = fc.array(fc.record({ key, float64: fc.boolean(), length: fc.nat(3) }), { maxLength: 5 });
    fc.assert(
      fc.property(fc.constantFrom('adamw-checkpoint', 'adamw-state', 'other'), meta, arrays, (kind, metaText, table) => {
        let offset = 0;
        const entries: Entry[] = table.map(({ key: k, float64, length }) => {
          const e = { name: k, dtype: float64 ? 'float64' : 'float32', length, offset };
          offset = Math.ceil((offset + length * (float64 ? 8 : 4)) / 8) * 8;
          return e;
        });
        const bytes = forged(kind, metaText, entries, new Uint8Array(offset));
        const before = prototypeSnapshot();
        try {
          for (const load of [deserializeCheckpoint, deserializeAdamWState, (b: Uint8Array) => unpackArrays(b)]) {
            let result: unknown;
            try {
              result = load(bytes);
            } catch (error) {
              expect(error).toBeInstanceOf(Error);
              expect((error as Error).message).toMatch(/adamw/);
              continue;
            }
            expectClean(result);
          }
          expect(prototypeSnapshot()).toEqual(before);
          for (const k in {}) throw new Error(`Object.prototype gained the enumerable property '${k}'`);
        } finally {
          restorePrototypes();
        }
      }),
      RUNS,
    );
  });
});

/** Every record in a decoded value has no prototype or Object.prototype and no own `__proto__`, and every array is a plain float array. */
function expectClean(value: unknown): void {
  if (value instanceof Float32Array || value instanceof Float64Array) {
    expect(Object.getPrototypeOf(value) === Float32Array.prototype || Object.getPrototypeOf(value) === Float64Array.prototype).toBe(true);
    return;
  }
  if (value === null || typeof value !== 'object') return;
  const proto = Object.getPrototypeOf(value) as unknown;
  expect(proto === null || proto === Object.prototype || proto === Array.prototype).toBe(true);
  for (const key of Reflect.ownKeys(value)) {
    expect(key).not.toBe('__proto__');
    expectClean((value as Record<PropertyKey, unknown>)[key]);
  }
}
