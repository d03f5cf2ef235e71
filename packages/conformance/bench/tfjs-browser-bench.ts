// Times @adamw/tfjs against tf.train.adam in Debian's headless Chromium on
// tfjs's webgl and webgpu backends (SwiftShader: the GPU is emulated on the
// CPU, so read the ratios, not the absolute times): one optimizer step at 1M
// parameters, and model.fit throughput of a 784-128-10 MLP. Prints a table
// and writes docs/data/bench/tfjs-browser.json.
//
//   pnpm --filter @adamw/conformance bench
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { withPage, type GraphicsInfo } from '../src/browser/index';
import type { BenchApi } from './tfjs-browser-page';

const ENTRY = fileURLToPath(new URL('./tfjs-browser-page.ts', import.meta.url));
const OUTPUT = fileURLToPath(new URL('../../../docs/data/bench/tfjs-browser.json', import.meta.url));
const BACKENDS = ['webgl', 'webgpu'] as const;
const PARAMS = 1_000_000;
const FIT = { samples: 2048, batchSize: 64 };
const MINUTES = 60_000;

type Backend = (typeof BACKENDS)[number];
type Step = Awaited<ReturnType<BenchApi['stepTime']>>;
type Fit = Awaited<ReturnType<BenchApi['fitThroughput']>>;

const runs: { backend: Backend; graphics: GraphicsInfo; step: Step; fit: Fit }[] = [];
for (const backend of BACKENDS) {
  process.stderr.write(`benchmarking tfjs-${backend} in Chromium...\n`);
  runs.push(
    await withPage<BenchApi, (typeof runs)[number]>(
      { entry: ENTRY, graphics: backend, title: `tfjs-${backend} benchmark`, callTimeoutMs: 20 * MINUTES },
      async (page) => {
        const graphics = await page.graphics();
        if (backend === 'webgpu' && !graphics.webgpu.available) throw new Error(`Chromium here has no WebGPU adapter: ${graphics.webgpu.reason}`);
        const step = await page.call('stepTime', { backend, params: PARAMS, steps: 5, rounds: 11, optimizers: ['adamw', 'adam'] });
        const fit = await page.call('fitThroughput', { backend, ...FIT, epochs: 3, optimizers: ['adamw', 'adam'] });
        return { backend, graphics, step, fit };
      },
    ),
  );
}

/** The WebGPU adapter in a few words (its feature list would not fit a table). */
function webgpuOf(g: GraphicsInfo | undefined): string {
  if (g === undefined) return 'not measured';
  return g.webgpu.available ? `${g.webgpu.vendor} ${g.webgpu.architecture}`.trim() : `unavailable: ${g.webgpu.reason}`;
}

const of = <T extends { optimizer: string }>(results: T[], o: string): T => results.find((r) => r.optimizer === o)!;
const summary = runs.flatMap(({ backend, step, fit }) => [
  {
    metric: `tfjs-${backend} step, 1M params: adamw / tf.train.adam (median time)`,
    value: of(step.results, 'adamw').medianMs / of(step.results, 'adam').medianMs,
  },
  { metric: `tfjs-${backend} step, 1M params: adamw / tf.train.adam (fastest round)`, value: of(step.results, 'adamw').minMs / of(step.results, 'adam').minMs },
  {
    metric: `tfjs-${backend} fit, 784-128-10 MLP: adamw / tf.train.adam (samples/s)`,
    value: of(fit.results, 'adamw').samplesPerSecond / of(fit.results, 'adam').samplesPerSecond,
  },
]);
const report = {
  generated: new Date().toISOString(),
  environment: {
    node: process.version,
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    browser: runs[0]?.graphics.userAgent ?? 'unknown',
    webgl: runs[0]?.graphics.webgl2?.renderer ?? 'none',
    webgpu: webgpuOf(runs.find((r) => r.backend === 'webgpu')?.graphics),
  },
  summary,
  step: runs.flatMap(({ backend, step }) => step.results.map((r) => ({ backend, params: step.params, ...r, tensorsStable: step.tensorsStable }))),
  fit: runs.flatMap(({ backend, fit }) => fit.results.map((r) => ({ backend, model: '784-128-10 MLP', samples: fit.samples, batchSize: fit.batchSize, ...r }))),
};
mkdirSync(dirname(OUTPUT), { recursive: true });
writeFileSync(OUTPUT, `${JSON.stringify(report, null, 2)}\n`);

const ms = (x: number) => x.toFixed(x < 10 ? 2 : 1);
console.log(`\nOne optimizer step at 1M parameters in Chromium (median ms per step over 11 rounds of 5 steps; the fastest round in brackets):`);
console.table(
  runs.map(({ backend, step }) => ({
    backend,
    adamw: `${ms(of(step.results, 'adamw').medianMs)} (${ms(of(step.results, 'adamw').minMs)})`,
    'tf.train.adam': `${ms(of(step.results, 'adam').medianMs)} (${ms(of(step.results, 'adam').minMs)})`,
    'adamw / adam': `${(of(step.results, 'adamw').medianMs / of(step.results, 'adam').medianMs).toFixed(2)} (${(of(step.results, 'adamw').minMs / of(step.results, 'adam').minMs).toFixed(2)})`,
  })),
);
console.log(`model.fit of a 784-128-10 MLP, ${FIT.samples} samples, batch ${FIT.batchSize} (samples/s, from the median epoch):`);
console.table(
  runs.map(({ backend, fit }) => ({
    backend,
    adamw: Math.round(of(fit.results, 'adamw').samplesPerSecond),
    'tf.train.adam': Math.round(of(fit.results, 'adam').samplesPerSecond),
    'adamw / adam': (of(fit.results, 'adamw').samplesPerSecond / of(fit.results, 'adam').samplesPerSecond).toFixed(2),
  })),
);
console.log(`written to ${OUTPUT}`);
