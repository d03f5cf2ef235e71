import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { unpackArrays } from '@adamw/core';
import { writeFileAtomic } from '@adamw/core/node';
import { afterAll, describe, expect, it } from 'vitest';
import { killDuringSave, prng, type CrashOutcome } from '../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'adamw-atomic-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// The trainer's and the ONNX Runtime adapter's checkpoint files both go through
// writeFileAtomic (@adamw/core/node); this kills its writer at random moments.
describe('writeFileAtomic under SIGKILL', () => {
  it('leaves the previous or the new file, whole, whenever the writer dies', async () => {
    const random = prng(977);
    const outcomes: (CrashOutcome & { loaded: number })[] = [];
    // Four kills, and more (up to twelve) while none has landed inside a save,
    // which a loaded machine can make happen by firing the timer late.
    for (let k = 0; k < 4 || (k < 12 && !outcomes.some((o) => o.begun > o.lastSaved)); k++) {
      const path = join(dir, `atomic-${k}.bin`);
      const outcome = await killDuringSave('test/children/atomic-writer.ts', [path], random);
      const archive = unpackArrays(new Uint8Array(readFileSync(path)), 'crash-test');
      const gen = (archive.meta as { gen: number }).gen;
      expect([outcome.lastSaved, outcome.begun]).toContain(gen);
      expect(archive.arrays.values!.every((x) => x === gen)).toBe(true);
      outcomes.push({ ...outcome, loaded: gen });
    }
    // At least one kill must have landed inside a save, or the test proved nothing.
    expect(
      outcomes.some((o) => o.begun > o.lastSaved),
      JSON.stringify(outcomes),
    ).toBe(true);
    // Killed writers may leave their temporary files, never a torn target.
    const written = outcomes.map((_, k) => `atomic-${k}.bin`);
    expect(
      readdirSync(dir)
        .filter((f) => !f.endsWith('.tmp'))
        .sort(),
    ).toEqual(written.sort());
    // Whatever temporary files the kills left, the next write of each file removes them.
    for (const [k, name] of written.entries()) await writeFileAtomic(join(dir, name), new Uint8Array([k]));
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('removes only the temporary files of writers that are gone', async () => {
    const target = join(dir, 'shared.bin');
    // A process that has exited, and two that are alive (this one and its parent).
    const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    const deadPid = Number(gone.stdout);
    expect(deadPid).toBeGreaterThan(0);
    const temp = (pid: number, tag: string) => `.shared.bin.${pid}.${tag}.tmp`;
    const names = [
      temp(deadPid, 'aaaaaaaaaaaa'),
      temp(process.pid, 'bbbbbbbbbbbb'),
      temp(process.ppid, 'cccccccccccc'),
      '.shared.bin.notes.tmp',
      '.other.bin.1.dddddddddddd.tmp',
    ];
    for (const name of names) writeFileSync(join(dir, name), 'partial');
    await writeFileAtomic(target, new Uint8Array([1, 2, 3]));
    const left = readdirSync(dir).filter((f) => f.endsWith('.tmp'));
    expect(left.sort()).toEqual(names.slice(1).sort());
    expect([...readFileSync(target)]).toEqual([1, 2, 3]);
  });
});
