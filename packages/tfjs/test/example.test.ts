import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = fileURLToPath(new URL('..', import.meta.url));
const tsx = fileURLToPath(new URL('../../../node_modules/.bin/tsx', import.meta.url));

describe('examples/fit.ts', () => {
  it('trains a classifier with fit to high accuracy', async () => {
    const { stdout } = await run(tsx, ['--conditions=@adamw/source', 'examples/fit.ts'], { cwd: root });
    const epochs = [...stdout.matchAll(/epoch (\d+): loss ([\d.]+), accuracy ([\d.]+)/g)].map((m) => ({
      epoch: Number(m[1]),
      loss: Number(m[2]),
      accuracy: Number(m[3]),
    }));
    expect(epochs.map((e) => e.epoch)).toEqual([1, 30]);
    expect(epochs[1]!.loss).toBeLessThan(epochs[0]!.loss / 4);
    expect(epochs[1]!.accuracy).toBeGreaterThan(0.97);
  });
});
