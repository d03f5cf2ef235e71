import { execFile } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { formatBytes } from '../src/pack.js';
import { CORE_GZIP_BUDGET, CORE_STEP_GZIP_BUDGET, measureBundle, measureImport } from '../src/size.js';
import { packedOrThrow } from './packed.js';

const run = promisify(execFile);

// Measured on the packed tarball's dist/index.js: what npm users get.
let entry: string;
beforeAll(async () => {
  const packed = packedOrThrow('@adamw/core');
  const dir = join(inject('workDir'), 'size', 'core');
  mkdirSync(dir, { recursive: true });
  await run('tar', ['-xzf', packed.tarball, '-C', dir]);
  entry = join(dir, 'package', 'dist', 'index.js');
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
