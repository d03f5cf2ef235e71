import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { unpackArrays } from '@adamw/core';
import { afterAll, describe, expect, it } from 'vitest';
import { killDuringSave, prng } from '../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'adamw-atomic-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// The trainer's and the ONNX Runtime adapter's checkpoint files both go through
// writeFileAtomic (@adamw/core/node); this kills its writer at random moments.
describe('writeFileAtomic under SIGKILL', () => {
  it('leaves the previous or the new file, whole, whenever the writer dies', async () => {
    const random = prng(977);
    const outcomes = [];
    for (let k = 0; k < 4; k++) {
      const path = join(dir, `atomic-${k}.bin`);
      const outcome = await killDuringSave('test/children/atomic-writer.ts', [path], random);
      const archive = unpackArrays(new Uint8Array(readFileSync(path)), 'crash-test');
      const gen = (archive.meta as { gen: number }).gen;
      expect([outcome.lastSaved, outcome.begun]).toContain(gen);
      expect(archive.arrays.values!.every((x) => x === gen)).toBe(true);
      outcomes.push({ ...outcome, loaded: gen });
    }
    // At least one kill must have landed inside a save, or the test proved nothing.
    expect(outcomes.some((o) => o.begun > o.lastSaved), JSON.stringify(outcomes)).toBe(true);
    // Killed writers may leave their temporary files, never a torn target.
    expect(readdirSync(dir).filter((f) => !f.endsWith('.tmp')).sort()).toEqual(['atomic-0.bin', 'atomic-1.bin', 'atomic-2.bin', 'atomic-3.bin']);
  });
});
