import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../examples/train-mlp.js';

describe('examples/train-mlp.ts', () => {
  const dir = mkdtempSync(join(tmpdir(), 'adamw-ort-example-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('trains the torch-exported digits model and exports a model that classifies held-out digits', async () => {
    const lines: string[] = [];
    const out = join(dir, 'trained.onnx');
    const r = await main(3, out, (l) => lines.push(l));
    expect(existsSync(out)).toBe(true);
    expect(r.epochLosses).toHaveLength(3);
    expect(r.epochLosses[2]!).toBeLessThan(r.epochLosses[0]!);
    expect(r.testLoss.after).toBeLessThan(r.testLoss.before / 3);
    expect(r.accuracy).toBeGreaterThan(0.85);
    expect(lines.at(-1)).toMatch(/held-out accuracy/);
  });
});
