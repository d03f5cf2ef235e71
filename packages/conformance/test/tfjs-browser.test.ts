import { fileURLToPath } from 'node:url';
import { CHECKSUM_FORMAT, type TfjsAdamWOptions } from '@adamw/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareTrajectory } from '../src/adapters';
import { adapter as webglAdapter } from '../src/adapters/tfjs-webgl';
import { formatDeviation } from '../src/compare';
import { listFixtures, loadTrajectoryFixture } from '../src/fixtures';
import { openPage, type PageSession } from '../src/browser/index';
import type { TfjsSuiteApi } from './browser/tfjs-suite-page';

// @adamw/tfjs on tfjs's GPU backends in Debian's headless Chromium (SwiftShader),
// bundled with esbuild as an application bundles it.

const ENTRY = fileURLToPath(new URL('./browser/tfjs-suite-page.ts', import.meta.url));
const MINUTES = 60_000;

/**
 * Bound on max |Δ| / max |value| per array between the ops path on a GPU
 * backend and @adamw/core's kernel on cpu after 40 steps: they differ where
 * the core kernel fuses multiply-adds (and, with clipping, in the order of
 * the sum of squares). Measured at most 1.7e-7 on webgl and webgpu alike;
 * the bound allows a GPU whose division or square root is an ulp off.
 */
const GPU_PATH_TOLERANCE = 2e-6;

const CASES: [string, TfjsAdamWOptions][] = [
  ['torch defaults', {}],
  ['amsgrad, strong decay', { amsgrad: true, lr: 0.05, weightDecay: 0.3 }],
  ['l2 and maximize', { decay: 'l2', maximize: true, lr: 0.01, weightDecay: 0.05 }],
  ['optax, epsRoot', { convention: 'optax', epsRoot: 1e-10 }],
  ['cosine schedule', { lr: 0.05, decayScale: 'schedule', schedule: { type: 'cosineAnnealing', totalSteps: 40 } }],
  ['global norm clipping', { lr: 0.02, clipGlobalNorm: 1 }],
];

const SAVED: TfjsAdamWOptions = {
  lr: 0.01,
  weightDecay: 0.05,
  amsgrad: true,
  schedule: { type: 'linearWarmup', warmupSteps: 5, after: { type: 'cosineAnnealing', totalSteps: 40 } },
};

for (const backend of ['webgl', 'webgpu'] as const) {
  describe(`@adamw/tfjs on tfjs-${backend} in Chromium`, () => {
    let page: PageSession<TfjsSuiteApi>;
    beforeAll(async () => {
      page = await openPage<TfjsSuiteApi>({ entry: ENTRY, graphics: backend, title: `tfjs-${backend} suite` });
      if (backend === 'webgpu') {
        const { webgpu } = await page.graphics();
        expect(webgpu, 'Chromium here must offer a WebGPU adapter (SwiftShader)').toMatchObject({ available: true });
      }
    }, 3 * MINUTES);
    afterAll(async () => {
      await page?.close();
    });

    it(
      'runs the same update as @adamw/core, on tensor ops, without reading anything back',
      async () => {
        const results = await page.call('pathsAgree', { backend, cases: CASES }, { timeoutMs: 8 * MINUTES });
        console.log(
          `tfjs-${backend} ops path vs core kernel on cpu, max |Δ| / max |value|, and whether it equals the ops path on cpu:`,
          JSON.stringify(results.map(({ label, params, moments, sameAsCpuOps }) => ({ label, params, moments, sameAsCpuOps }))),
        );
        for (const r of results) {
          expect(r.path, r.label).toBe('ops');
          expect(r.syncReads, r.label).toBe(0);
          expect(r.countsEqual, r.label).toBe(true);
          expect(r.params, r.label).toBeLessThan(GPU_PATH_TOLERANCE);
          expect(r.moments, r.label).toBeLessThan(GPU_PATH_TOLERANCE);
          // SwiftShader rounds +, ×, ÷ and √ correctly, and the update is made of nothing else:
          // the same ops on the cpu backend give the same bits. Clipping sums squares in another order.
          if (r.label !== 'global norm clipping') expect(r.sameAsCpuOps, `${r.label}: GPU ops path equals cpu ops path`).toBe(true);
        }
        // A GPU that silently ran the cpu kernel would agree exactly.
        expect(Math.max(...results.map((r) => r.params))).toBeGreaterThan(0);
      },
      10 * MINUTES,
    );

    it(
      'fits, saves to IndexedDB through checksummed, reloads and trains on as if never interrupted',
      async () => {
        const r = await page.call('fitSaveReload', { backend, options: SAVED, epochs: [3, 2] }, { timeoutMs: 8 * MINUTES });
        expect(r.path).toBe('ops');
        expect(r.steps).toBe(12);
        expect(r.syncReadsInSteps).toBe(0);
        // The saved run and the uninterrupted one are the same computation.
        expect(r.losses.first).toEqual(r.losses.whole.slice(0, 3));
        expect(r.losses.continued).toEqual(r.losses.whole.slice(3));
        expect(r.values.continued).toEqual(r.values.whole);
        // The reloaded copy continues bit for bit.
        expect(r.restoredIsAdamW).toBe(true);
        expect(r.restoredIterations).toBe(12);
        expect(r.losses.resumed).toEqual(r.losses.continued);
        expect(r.values.resumed).toEqual(r.values.continued);
        expect(r.losses.whole[4]!).toBeLessThan(r.losses.whole[0]!);
        // The checkpoint carries its checksums and the AdamW state; a flipped bit is refused.
        expect(r.record).toMatchObject({ format: CHECKSUM_FORMAT, weightsCrc32: expect.any(Number) });
        expect(r.optimizerSpecs[0]).toBe('iter');
        expect(r.optimizerSpecs.filter((n) => n.endsWith('/vMax'))).toHaveLength(4);
        expect(r.damaged).toMatch(/fails its CRC-32 check/);
        // Tensors: constant from batch to batch within an epoch (tfjs-layers' History holds one
        // loss per finished epoch until fit returns) and from one fit to the next; the
        // optimizer adds its moments only, and dispose() brings the count back.
        const t = r.tensors;
        for (let e = 0; e < 3; e++) expect(new Set(t.perBatch.slice(e * r.batchesPerEpoch, (e + 1) * r.batchesPerEpoch)).size, `epoch ${e + 1}`).toBe(1);
        expect(t.perBatch).toHaveLength(3 * r.batchesPerEpoch);
        expect(t.afterFirstFit).toBe(t.beforeFit + r.moments);
        // Saving lends the iteration and step counts (one per variable) until the next getWeights or dispose.
        expect(t.afterSave).toBe(t.afterFirstFit + 1 + r.variables);
        expect(t.afterContinued).toBe(t.afterSave);
        expect(t.afterOptimizerDispose).toBe(t.beforeFit);
        expect(t.end).toBe(t.start);
      },
      10 * MINUTES,
    );

    it(
      'checks gradients for NaN on the device: skips or refuses the step, unchanged',
      async () => {
        const r = await page.call('nonFinite', { backend });
        expect(r.afterSkip).toEqual(r.before);
        expect(r.thrown).toMatch(/gradient of '.*kernel' .*NaN at index 4/);
        expect(r.afterThrow).toEqual(r.before);
        expect(Number.isNaN(r.afterPropagate[4])).toBe(true);
        expect(r.iterations).toEqual([0, 0, 1]);
      },
      5 * MINUTES,
    );
  });
}

describe('pnpm conformance --adapter tfjs-webgl', () => {
  it(
    'reproduces every trajectory fixture on webgl within the float32 tolerances',
    async () => {
      const lines: string[] = [];
      const failed: string[] = [];
      for (const path of listFixtures('trajectory')) {
        const f = loadTrajectoryFixture(path);
        const c = compareTrajectory(f, await webglAdapter.run(f), webglAdapter.computeDtype);
        lines.push(`${f.name}: loss ${formatDeviation(c.loss.maxRel)}, params ${formatDeviation(c.params.maxRel)}`);
        if (!c.pass) failed.push(`${f.name} (${c.problems.join('; ') || `worst ${c.worstParam}`})`);
      }
      console.log(`tfjs-webgl against torch:\n  ${lines.join('\n  ')}`);
      expect(lines).toHaveLength(10);
      expect(failed).toEqual([]);
    },
    20 * MINUTES,
  );
});
