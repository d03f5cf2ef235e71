// @adamw/core's codec and step under faults: every single-bit flip and every
// truncation of a state or checkpoint is refused, a run resumed from bytes
// continues bit for bit, and calls that once never returned do.
import {
  adamwStepInPlace,
  adamwStepInPlaceWith,
  deserializeAdamWState,
  deserializeCheckpoint,
  initAdamW,
  serializeAdamWState,
  serializeCheckpoint,
  type AdamWOptions,
  type AdamWState,
  type FloatArray,
} from '@adamw/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { acceptedCorruptions, prng, spawnTs } from '../src/index.js';

const CLEAR = /corrupt|truncated|checksum|not an adamw archive|unsupported adamw archive version|over-long|holds '/;

function state(Ctor: Float32ArrayConstructor | Float64ArrayConstructor, n: number, amsgrad: boolean, seed: number): { params: FloatArray; state: AdamWState } {
  const random = prng(seed);
  const params: FloatArray = Ctor.from(Array.from({ length: n }, () => random() - 0.5));
  const s = initAdamW(params, { amsgrad });
  for (let t = 0; t < 3; t++) {
    const grads: FloatArray = Ctor.from(Array.from({ length: n }, () => random() - 0.5));
    adamwStepInPlace(params, grads, s, { amsgrad });
  }
  return { params, state: s };
}

describe('core state and checkpoint bytes', () => {
  for (const Ctor of [Float32Array, Float64Array]) {
    for (const amsgrad of [false, true]) {
      it(`${Ctor.name}${amsgrad ? ', AMSGrad' : ''}: truncated, bit-flipped and foreign state bytes are refused clearly`, async () => {
        const good = serializeAdamWState(state(Ctor, 37, amsgrad, 1).state);
        expect(await acceptedCorruptions(good, deserializeAdamWState, CLEAR)).toEqual([]);
      });
    }
  }

  it('a checkpoint is not mistaken for a state, nor a state for a checkpoint', () => {
    const { params, state: s } = state(Float32Array, 8, false, 2);
    const checkpoint = serializeCheckpoint({ params: { w: params }, states: { w: s } });
    expect(() => deserializeAdamWState(checkpoint)).toThrow(/holds 'adamw-checkpoint', not 'adamw-state'/);
    expect(() => deserializeCheckpoint(serializeAdamWState(s))).toThrow(/holds 'adamw-state', not 'adamw-checkpoint'/);
  });

  it('every single-bit flip and every truncation of a checkpoint is refused (CRC-32 catches all of them)', () => {
    const { params, state: s } = state(Float64Array, 19, true, 3);
    const good = serializeCheckpoint({ params: { 'layer.weight': params }, states: { 'layer.weight': s }, meta: { epoch: 4 } });
    fc.assert(
      fc.property(fc.nat(good.length * 8 - 1), (bit) => {
        const bytes = good.slice();
        bytes[bit >> 3] = bytes[bit >> 3]! ^ (1 << (bit & 7));
        expect(() => deserializeCheckpoint(bytes)).toThrow(CLEAR);
      }),
      { numRuns: 400 },
    );
    fc.assert(
      fc.property(fc.nat(good.length - 1), (keep) => {
        expect(() => deserializeCheckpoint(good.subarray(0, keep))).toThrow(CLEAR);
      }),
      { numRuns: 200 },
    );
  });
});

describe('core resume', () => {
  const options: AdamWOptions = { lr: 1e-2, weightDecay: 0.1, amsgrad: true };
  for (const Ctor of [Float32Array, Float64Array]) {
    it(`${Ctor.name}: N steps, state to bytes and back, M more steps equals N + M steps straight, bit for bit`, () => {
      const random = prng(9);
      const grads = Array.from({ length: 30 }, () => Ctor.from(Array.from({ length: 50 }, () => random() - 0.5)) as FloatArray);
      const start: FloatArray = Ctor.from(Array.from({ length: 50 }, () => random()));

      const straight = start.slice();
      const s = initAdamW(straight, options);
      grads.forEach((g, t) => adamwStepInPlace(straight, g, s, { ...options, scheduleMultiplier: 1 / (1 + t) }));

      let resumed: FloatArray = start.slice();
      let r: AdamWState = initAdamW(resumed, options);
      grads.forEach((g, t) => {
        if (t === 12) {
          const bytes = serializeCheckpoint({ params: { p: resumed }, states: { p: r } });
          const back = deserializeCheckpoint(bytes);
          resumed = back.params.p!;
          r = back.states.p as AdamWState;
        }
        adamwStepInPlace(resumed, g, r, { ...options, scheduleMultiplier: 1 / (1 + t) });
      });
      expect(Array.from(resumed)).toEqual(Array.from(straight));
      expect(Array.from(r.vMax!)).toEqual(Array.from(s.vMax!));
      expect(r.step).toBe(30);
    });
  }
});

describe('core concurrency: the WebAssembly kernel keeps one module memory for the whole process', () => {
  it('steps on many arrays in turn (both dtypes, several lengths, views into one buffer) equal each run alone on the scalar loop', () => {
    const shared = new Float32Array(70_000);
    const make = () => {
      const random = prng(77);
      const fill = (a: FloatArray) => {
        for (let i = 0; i < a.length; i++) a[i] = random() - 0.5;
        return a;
      };
      const buffer = fill(shared.slice());
      return [
        fill(new Float32Array(40_000)),
        fill(new Float64Array(40_000)),
        fill(new Float32Array(17)),
        fill(new Float64Array(16_411)),
        buffer.subarray(0, 30_000),
        buffer.subarray(30_000, 70_000),
      ] as FloatArray[];
    };
    const options: AdamWOptions = { lr: 1e-2, weightDecay: 0.1, amsgrad: true };
    const run = (kernel: 'auto' | 'scalar', interleave: boolean) => {
      const params = make();
      const grads = params.map((p, k) => p.map((x, i) => Math.sin(i + k) * 0.1 + x * 0.01) as FloatArray);
      const states = params.map((p) => initAdamW(p, options));
      if (interleave) {
        for (let t = 0; t < 4; t++) params.forEach((p, k) => adamwStepInPlaceWith(kernel, p, grads[k]!, states[k]!, options));
      } else {
        params.forEach((p, k) => {
          for (let t = 0; t < 4; t++) adamwStepInPlaceWith(kernel, p, grads[k]!, states[k]!, options);
        });
      }
      return params.map((p) => Buffer.from(p.buffer, p.byteOffset, p.byteLength).toString('base64'));
    };
    const alone = run('scalar', false);
    expect(run('auto', true)).toEqual(alone);
    expect(run('auto', false)).toEqual(alone);
  });
});

/** Runs a child script and returns its output, or fails when it has not finished within `ms` (the child is killed). */
function outputWithin(script: string, ms: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawnTs(script);
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${script} did not finish within ${ms} ms; it printed:\n${stdout}`));
    }, ms);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(stdout);
      else reject(new Error(`${script} exited with code ${code}:\n${stderr}`));
    });
  });
}

describe('core calls that once never returned', () => {
  it('cosineWarmRestarts at index 2^40 and 2^53 − 1 returns its value, and at an infinite index refuses it', async () => {
    const lines = (await outputWithin('test/children/core-schedule-index.ts', 30_000)).trim().split('\n');
    expect(lines).toEqual([
      'period 1 at 2^40: value 1',
      `period 7 at 2^53 - 1: value ${(1 + Math.cos((Math.PI * Number(BigInt(Number.MAX_SAFE_INTEGER) % 7n)) / 7)) / 2}`,
      `annealing over 2^52 at 2^52 - 1: value ${(1 + Math.cos((Math.PI * (2 ** 52 - 1)) / 2 ** 52)) / 2}`,
      'period 1 at Infinity: error cosineWarmRestarts: the step index must be a finite number >= 0, got Infinity',
      'period 2, multiplier 2 at Infinity: error cosineWarmRestarts: the step index must be a finite number >= 0, got Infinity',
    ]);
  });
});
