import { adamwReferenceKernel, planAdamWStep, resolveAdamWOptions } from '@adamw/core';
import { halfwayLanes } from '@adamw/test-utils';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPage, type PageSession } from '../src/browser/index';
import type { CorePageApi } from './browser/core-page';

// The float32 kernel in Chromium, where relaxed SIMD is on: one hardware FMA
// per fused line, against the reference loop in the page and in Node.

const PAGE = fileURLToPath(new URL('./browser/core-page.ts', import.meta.url));

describe('@adamw/core in Chromium', () => {
  let session: PageSession<CorePageApi>;
  beforeAll(async () => {
    session = await openPage<CorePageApi>({ entry: PAGE, graphics: 'none', log: null });
  });
  afterAll(async () => {
    await session?.close();
  });

  it('runs the relaxed SIMD build: Chromium has relaxed SIMD and runs its multiply-add fused here', async () => {
    expect(await session.call('fusedMultiplyAdd')).toBe('relaxed');
  });

  it('rounds the m line once on lanes that float64 rounds onto a halfway point, as the reference does in Node', async () => {
    const lanes = halfwayLanes(2048, 7);
    const input = { a: lanes.a, b: Array.from(lanes.b), c: Array.from(lanes.c) };
    const out = await session.call('mLine', input);
    const plan = { ...planAdamWStep(resolveAdamWOptions({}), 1), beta1: 1, oneMinusBeta1: lanes.a };
    const p = new Float32Array(lanes.b.length).fill(0.5);
    const m = Float32Array.from(lanes.c);
    adamwReferenceKernel(plan, p, Float32Array.from(lanes.b), m, new Float32Array(lanes.b.length).fill(0.25), undefined);
    expect(out.simd.m).toEqual(Array.from(m));
    expect(out.scalar.m).toEqual(Array.from(m));
    expect(out.simd.p).toEqual(Array.from(p));
    // The lanes matter: rounding the float64 sum would have moved a good share of them.
    const moved = input.b.filter((b, i) => Math.fround(lanes.a * b + input.c[i]!) !== m[i]).length;
    expect(moved).toBeGreaterThan(input.b.length / 4);
  });

  it.each([{}, { amsgrad: true, maximize: true }, { decay: 'l2' as const, weightDecay: 0.3 }, { convention: 'optax' as const, epsRoot: 1e-30 }])(
    'steps with %j: the SIMD kernel gives the bits of the scalar loop',
    async (options) => {
      expect(await session.call('steps', { options, seed: 11 })).toEqual({ array: -1, index: -1 });
    },
  );
});
