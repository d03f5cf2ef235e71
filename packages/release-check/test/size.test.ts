import { execFile } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { formatBytes } from '../src/pack.js';
import { CORE_GZIP_BUDGET, CORE_STEP_GZIP_BUDGET, ONNXRUNTIME_GZIP_BUDGET, measureBundle, measureImport } from '../src/size.js';
import { ROOT } from '../src/workspace.js';
import { packedOrThrow } from './packed.js';

const run = promisify(execFile);

/** Unpacks a package's tarball into `<workDir>/size/node_modules/<name>` and returns that folder. */
async function unpack(name: string): Promise<string> {
  const packed = packedOrThrow(name);
  const dir = join(inject('workDir'), 'size', 'node_modules', ...name.split('/'));
  mkdirSync(dir, { recursive: true });
  await run('tar', ['-xzf', packed.tarball, '-C', dir, '--strip-components=1']);
  return dir;
}

// Measured on the packed tarballs' dist/index.js: what npm users get.
let entry: string;
beforeAll(async () => {
  entry = join(await unpack('@adamw/core'), 'dist', 'index.js');
});

describe('@adamw/core size', () => {
  it(`the whole ESM entry, minified and gzipped, fits the budget of ${formatBytes(CORE_GZIP_BUDGET)}`, async () => {
    const size = await measureBundle(entry);
    console.log(`@adamw/core: ${formatBytes(size.minified)} minified, ${formatBytes(size.gzipped)} gzipped (budget ${formatBytes(CORE_GZIP_BUDGET)})`);
    expect(size.gzipped).toBeLessThanOrEqual(CORE_GZIP_BUDGET);
    expect(size.gzipped).toBeGreaterThan(1000);
  });

  it('tree-shakes (sideEffects: false): importing a part costs only that part', async () => {
    const whole = await measureBundle(entry);
    const step = await measureImport(entry, ['initAdamW', 'adamwStepInPlace']);
    const schedules = await measureImport(entry, ['linearWarmup', 'cosineAnnealing']);
    console.log(`@adamw/core, the step alone: ${formatBytes(step.gzipped)}; the schedules alone: ${formatBytes(schedules.gzipped)} gzipped`);
    expect(step.gzipped).toBeLessThan(whole.gzipped);
    expect(step.gzipped, `the step alone, budget ${formatBytes(CORE_STEP_GZIP_BUDGET)}`).toBeLessThanOrEqual(CORE_STEP_GZIP_BUDGET);
    expect(schedules.gzipped).toBeLessThan(whole.gzipped / 4);
  });
});

describe('@adamw/onnxruntime size', () => {
  it(`the main entry bundles for the browser (no Node builtin), within ${formatBytes(ONNXRUNTIME_GZIP_BUDGET)} gzipped with core and protobufjs`, async () => {
    const dir = await unpack('@adamw/onnxruntime');
    // esbuild's browser platform cannot resolve a Node builtin: building at all shows there is none.
    // protobufjs comes from the workspace (the unpacked tarballs have no dependencies installed).
    const size = await measureBundle(join(dir, 'dist', 'index.js'), {
      nodePaths: [join(ROOT, 'packages', 'onnxruntime', 'node_modules')],
      external: ['onnxruntime-common', 'onnxruntime-web', 'onnxruntime-node'],
    });
    console.log(
      `@adamw/onnxruntime (main entry, with core and protobufjs): ${formatBytes(size.minified)} minified, ${formatBytes(size.gzipped)} gzipped (budget ${formatBytes(ONNXRUNTIME_GZIP_BUDGET)})`,
    );
    expect(size.gzipped).toBeLessThanOrEqual(ONNXRUNTIME_GZIP_BUDGET);
    expect(size.gzipped).toBeGreaterThan(10_000);
  });
});
