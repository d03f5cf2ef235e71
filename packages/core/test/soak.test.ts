// Long runs: a shortened soak (the full 10^6 steps is `pnpm test:soak`), the
// step counter far past 2^24 and 2^31, and a heap that does not grow.
import { describe, expect, it } from 'vitest';
import { loopYielding } from '@adamw/test-utils';
import { adamwStepInPlace, initAdamW } from '../src/index.js';
import { SOAK_OPTIONS, exposeGc, maxRelativeDifference, runSoak, torchAdamW64 } from './soak.js';

describe('soak', () => {
  for (const dtype of ['float64', 'float32'] as const) {
    it(`${dtype}: 2·10^4 steps in place, pure and resumed from bytes agree bit for bit${dtype === 'float64' ? ', and with the torch transcription' : ''}`, async () => {
      const report = await runSoak({ steps: 20_000, checkEvery: 1_000, dtype });
      expect(report.checkpoints).toBe(20);
      expect(report.maxAbsParam).toBeLessThan(10);
      expect(report.maxAbsParam).toBeGreaterThan(0.1);
      if (dtype === 'float64') expect(report.torchDifference).toBeLessThanOrEqual(1e-10);
    });
  }

  it('the transcription agrees with the library to the last bits over a few steps, and notices a drift', () => {
    // The transcription must be close for the comparison above to mean
    // anything: a few ulps at most after three steps, and a perturbation of
    // 1e-9 is seen.
    const p = new Float64Array([0.5, -0.25]);
    const g = new Float64Array([0.1, -0.2]);
    const lib = p.slice();
    const state = initAdamW(lib, SOAK_OPTIONS);
    const ref = { p: p.slice(), m: new Float64Array(2), v: new Float64Array(2), vMax: new Float64Array(2) };
    for (let t = 1; t <= 3; t++) {
      adamwStepInPlace(lib, g, state, SOAK_OPTIONS);
      torchAdamW64(ref.p, g, ref.m, ref.v, ref.vMax, t, 1);
    }
    expect(maxRelativeDifference(lib, ref.p)).toBeLessThanOrEqual(4 * Number.EPSILON);
    ref.p[0] = ref.p[0]! * (1 + 1e-9);
    adamwStepInPlace(lib, g, state, SOAK_OPTIONS);
    torchAdamW64(ref.p, g, ref.m, ref.v, ref.vMax, 4, 1);
    expect(maxRelativeDifference(lib, ref.p)).toBeGreaterThan(1e-10);
  });
});

describe('the step counter', () => {
  // torch keeps `step` as a float32 tensor: it stops counting at 2^24.
  it('a float32 counter would stall at 2^24', () => {
    expect(Math.fround(2 ** 24 + 1)).toBe(2 ** 24);
  });

  for (const start of [2 ** 24 - 2, 2 ** 31 - 2, 2 ** 32 - 2, 2 ** 40]) {
    it(`counts exactly from ${start} and computes the bias corrections of the true step`, () => {
      const params = new Float64Array([0.3, -0.7, 1.1]);
      const state = initAdamW(params, SOAK_OPTIONS);
      state.step = start;
      state.m.set([0.01, -0.02, 0.03]);
      state.v.set([1e-4, 4e-4, 9e-4]);
      state.vMax!.set([2e-4, 4e-4, 1e-3]);
      const ref = { p: params.slice(), m: state.m.slice(), v: state.v.slice(), vMax: state.vMax!.slice() };
      for (let k = 1; k <= 5; k++) {
        const g = new Float64Array([0.1 * k, -0.05, 0.2]);
        adamwStepInPlace(params, g, state, SOAK_OPTIONS);
        torchAdamW64(ref.p, g, ref.m, ref.v, ref.vMax, start + k, 1);
        expect(state.step).toBe(start + k);
      }
      expect(Array.from(params)).toEqual(Array.from(ref.p));
      expect(Array.from(state.vMax!)).toEqual(Array.from(ref.vMax));
    });
  }
});

describe('memory', () => {
  it('the in-place step does not grow the heap over 5·10^4 steps', async () => {
    const gc = exposeGc();
    expect(gc, 'a garbage collector to measure with').toBeTypeOf('function');
    const params = new Float32Array(1024).fill(0.5);
    const grads = new Float32Array(1024).fill(0.01);
    const state = initAdamW(params, SOAK_OPTIONS);
    const options = { ...SOAK_OPTIONS };
    for (let t = 0; t < 1_000; t++) adamwStepInPlace(params, grads, state, options);
    gc!();
    const before = process.memoryUsage().heapUsed;
    await loopYielding(50_000, () => adamwStepInPlace(params, grads, state, options));
    gc!();
    const growth = process.memoryUsage().heapUsed - before;
    // One leaked 4 KiB array per step would be 200 MB; a leak of a few bytes per step would still show.
    expect(growth).toBeLessThan(256 * 1024);
    expect(state.step).toBe(51_000);
  });

  it('the soak measures its heap and it stays flat', async () => {
    const report = await runSoak({ steps: 20_000, checkEvery: 2_000, dtype: 'float32' });
    expect(report.heapGrowth).toBeDefined();
    expect(report.heapGrowth!).toBeLessThan(1024 * 1024);
  });
});
