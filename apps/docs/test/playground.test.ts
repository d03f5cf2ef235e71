import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { histogramRows, Smoother } from '../.vitepress/theme/playground/charts';
import { decodeDigits, encodeDigits, splitDigits } from '../.vitepress/theme/playground/digits';
import type { GridCell, RunSettings, Snapshot } from '../.vitepress/theme/playground/protocol';
import { CHUNK_STEPS, compare, grid } from '../.vitepress/theme/playground/session';
import { REPO } from './build';

// The playground's training and drawing helpers, in Node. The page itself
// is driven in Chromium by playground-page.test.ts.

const digits = decodeDigits(new Uint8Array(readFileSync(join(REPO, 'docs', 'public', 'playground', 'digits-14x14.bin'))));
const settings: RunSettings = {
  lr: 3e-3,
  weightDecay: 1e-2,
  decayForm: 'paper',
  schedule: 'cosine',
  epochs: 5,
  hidden: 16,
  batchSize: 64,
  train: 600,
  test: 200,
  seed: 1,
};
const nothing = () => Promise.resolve();

describe('the shipped digits', () => {
  it('hold 2,000 labelled 14 × 14 digits with intensities in [0, 1]', () => {
    expect(digits).toMatchObject({ count: 2000, side: 14 });
    expect(digits.x.length).toBe(2000 * 196);
    expect(new Set(digits.y).size).toBe(10);
    const top = digits.x.reduce((m, v) => Math.max(m, v), 0);
    expect(top).toBeLessThanOrEqual(1);
    expect(top).toBeGreaterThan(0.9);
  });

  it('round-trip through the file layout, and a corrupt file is refused', () => {
    const bytes = encodeDigits(2, Uint8Array.of(3, 7), Uint8Array.of(0, 255, 51, 102, 0, 0, 0, 255));
    const back = decodeDigits(bytes);
    expect(Array.from(back.y)).toEqual([3, 7]);
    expect(Array.from(back.x)).toEqual([0, 1, 0.2, 0.4, 0, 0, 0, 1].map(Math.fround));
    expect(() => decodeDigits(bytes.subarray(0, bytes.length - 1))).toThrow(/corrupt playground digits file: 2 digits of 2×2 need 22 bytes/);
    expect(() => decodeDigits(new Uint8Array(20))).toThrow(/not a playground digits file/);
    expect(() => splitDigits(back, 2, 1)).toThrow(/more than the 2/);
  });
});

describe('side by side', () => {
  it('trains both optimizers from the same weights and reports losses, test errors and unit norms', async () => {
    const snapshots: Snapshot[][] = [];
    const finished = await compare(
      digits,
      settings,
      (s) => void snapshots.push(s),
      () => false,
      nothing,
    );
    expect(finished).toBe(true);
    const total = 5 * Math.ceil(600 / 64);
    // One snapshot before training, then one per chunk of updates.
    expect(snapshots).toHaveLength(1 + Math.ceil(total / CHUNK_STEPS));
    expect(snapshots[0]!.map((s) => s.step)).toEqual([0, 0]);
    // Same seed: the initial weights are the same for both.
    expect(snapshots[0]![0]!.unitNorms).toEqual(snapshots[0]![1]!.unitNorms);
    expect(snapshots[0]![0]!.unitNorms).toHaveLength(16 + 10);
    const last = snapshots[snapshots.length - 1]!;
    expect(last.map((s) => s.step)).toEqual([total, total]);
    for (const optimizer of ['adam-l2', 'adamw'] as const) {
      const mine = snapshots.flat().filter((s) => s.optimizer === optimizer);
      const losses = mine.flatMap((s) => s.losses);
      expect(losses.map((l) => l.step)).toEqual(Array.from({ length: total }, (_, i) => i + 1));
      const evals = mine.flatMap((s) => s.evals);
      expect(evals.length).toBeGreaterThanOrEqual(3);
      expect(evals[evals.length - 1]!.testError).toBeLessThan(0.6);
    }
    // Weight decay shrinks the weights: AdamW's final norm is below that of the same run without decay.
    const undecayed: Snapshot[][] = [];
    await compare(
      digits,
      { ...settings, weightDecay: 0 },
      (s) => void undecayed.push(s),
      () => false,
      nothing,
    );
    const norm = (s: Snapshot) => Math.hypot(...s.unitNorms);
    expect(norm(last[1]!)).toBeLessThan(norm(undecayed[undecayed.length - 1]![1]!));
    // Without decay the two optimizers are one algorithm: the same losses, step for step.
    const lossesOf = (o: string) =>
      undecayed
        .flat()
        .filter((s) => s.optimizer === o)
        .flatMap((s) => s.losses);
    expect(lossesOf('adamw')).toEqual(lossesOf('adam-l2'));
  });

  it('stops between chunks when asked', async () => {
    let chunks = 0;
    const finished = await compare(
      digits,
      { ...settings, epochs: 20 },
      () => void chunks++,
      () => chunks >= 3,
      nothing,
    );
    expect(finished).toBe(false);
    expect(chunks).toBe(3);
  });

  it('refuses settings it cannot train', async () => {
    await expect(
      compare(
        digits,
        { ...settings, train: 5000 },
        () => undefined,
        () => false,
        nothing,
      ),
    ).rejects.toThrow(/more than the 2000 shipped/);
    await expect(
      compare(
        digits,
        { ...settings, lr: -1 },
        () => undefined,
        () => false,
        nothing,
      ),
    ).rejects.toThrow(/lr must be a positive number/);
  });
});

describe('the coarse grid', () => {
  it('sends one cell per optimizer × α × λ', async () => {
    const cells: GridCell[] = [];
    const finished = await grid(
      digits,
      { ...settings, epochs: 1 },
      [1e-3, 1e-2],
      [1e-4, 1e-1],
      (c, done, total) => {
        cells.push(c);
        expect(done).toBe(cells.length);
        expect(total).toBe(8);
      },
      () => false,
      nothing,
    );
    expect(finished).toBe(true);
    expect(cells.map((c) => `${c.optimizer} ${c.lr} ${c.weightDecay}`).sort()).toEqual(
      ['adam-l2', 'adamw'].flatMap((o) => [1e-3, 1e-2].flatMap((lr) => [1e-4, 1e-1].map((wd) => `${o} ${lr} ${wd}`))).sort(),
    );
    for (const c of cells) expect(c.testError).toBeGreaterThanOrEqual(0);
  });
});

describe('drawing helpers', () => {
  it('bins both optimizers over one range', () => {
    const rows = histogramRows({ 'adam-l2': [0, 1, 2, 4], adamw: [1, 1] }, 4);
    expect(rows.filter((r) => r.optimizer === 'Adam with L2').map((r) => r.count)).toEqual([1, 1, 1, 1]);
    expect(rows.filter((r) => r.optimizer === 'AdamW').map((r) => r.count)).toEqual([0, 2, 0, 0]);
    expect(rows[3]).toMatchObject({ lo: 3, hi: 4 });
    expect(histogramRows({})).toEqual([]);
  });

  it('smooths a stream without pulling its start to 0', () => {
    const s = new Smoother(0.9);
    expect(s.next(2)).toBeCloseTo(2, 12);
    expect(s.next(2)).toBeCloseTo(2, 12);
    expect(s.next(4)).toBeGreaterThan(2);
  });
});
