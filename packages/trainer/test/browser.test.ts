import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Dtype, MatmulKernelChoice } from '../src/index.js';
import { runTraining, type TrainingRun } from './browser-entry.js';

const CHROMIUM = '/usr/bin/chromium';

let browser: Browser;
let bundle: string;

beforeAll(async () => {
  if (!existsSync(CHROMIUM))
    throw new Error(`${CHROMIUM} is missing: the browser test drives Debian's Chromium (apt-get install chromium); it never downloads a browser`);
  // Bundled as a user's bundler would bundle the main entry for a browser: any Node module would fail the build.
  const out = await build({
    entryPoints: [fileURLToPath(new URL('./browser-entry.ts', import.meta.url))],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    conditions: ['@adamw/source'],
    logLevel: 'silent',
  });
  bundle = `${out.outputFiles[0]!.text}\nwindow.__run = runTraining;`.replace(/export\s*\{[^}]*\};?/g, '');
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'],
  });
});

afterAll(async () => {
  await browser?.close();
});

type Run = (dtype: Dtype, kernel: MatmulKernelChoice) => TrainingRun;

describe('@adamw/trainer in Chromium', () => {
  it('trains on the SIMD kernels there: float64 to the bits of its scalar kernel, float32 as in Node', async () => {
    const page = await browser.newPage();
    try {
      await page.goto('about:blank');
      await page.addScriptTag({ content: bundle, type: 'module' });
      await page.waitForFunction(() => typeof (window as unknown as { __run?: unknown }).__run === 'function');
      const run = (dtype: Dtype, kernel: MatmulKernelChoice) =>
        page.evaluate(([d, k]) => (window as unknown as { __run: Run }).__run(d, k), [dtype, kernel] as const);
      const simd64 = await run('float64', 'auto');
      const scalar64 = await run('float64', 'scalar');
      const simd32 = await run('float32', 'auto');
      expect([simd64.kernel, scalar64.kernel, simd32.kernel]).toEqual(['simd', 'scalar', 'simd']);
      // One engine: the SIMD products are the scalar loops' operations.
      expect(simd64.losses).toEqual(scalar64.losses);
      expect(simd64.params).toEqual(scalar64.params);
      // Two engines: the same kernels, but Math.exp and Math.log of another V8 may differ in the last bit.
      const node32 = runTraining('float32', 'auto');
      simd32.losses.forEach((l, i) => expect(Math.abs(l - node32.losses[i]!)).toBeLessThanOrEqual(1e-6 * Math.abs(l)));
      simd32.params.forEach((p, i) => expect(Math.abs(p - node32.params[i]!)).toBeLessThanOrEqual(1e-6));
    } finally {
      await page.close();
    }
  });
});
