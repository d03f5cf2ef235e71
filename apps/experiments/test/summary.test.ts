import { describe, expect, it } from 'vitest';
import type { CellResult } from '../src/cell.js';
import type { OptimizerName } from '../src/config.js';
import { sci, percent } from '../src/format.js';
import { findings } from '../src/report.js';
import { summarizeCells, summarizeOptimizer } from '../src/summary.js';

const LRS = [1e-3, 1e-2, 1e-1];
const WDS = [1e-4, 1e-3, 1e-2, 1e-1];

/** Runs whose error is given by a function of the cell, one per seed. */
function grid(optimizer: OptimizerName, error: (lrIndex: number, wdIndex: number, seed: number) => number, seeds = [1]): CellResult[] {
  return seeds.flatMap((seed) =>
    LRS.flatMap((lr, i) =>
      WDS.map((weightDecay, j) => ({ optimizer, lr, weightDecay, seed, testError: error(i, j, seed), trainLoss: 0.1, testLoss: 0.2, seconds: 1, curve: [] })),
    ),
  );
}

describe('summary of a grid', () => {
  // A diagonal valley: the best λ index equals the learning-rate index (entangled).
  const diagonal = grid('adam-l2', (i, j) => 0.05 + 0.03 * Math.abs(i - j) + 0.003 * i);
  // A horizontal valley: λ index 2 is best at every learning rate (separable).
  const horizontal = grid('adamw', (i, j) => 0.045 + 0.03 * Math.abs(j - 2) + 0.002 * i);

  it('finds the best cell, the good region and the best λ per learning rate', () => {
    const s = summarizeOptimizer(summarizeCells(diagonal), 'adam-l2');
    expect(s.best).toMatchObject({ lr: 1e-3, weightDecay: 1e-4 });
    expect(s.best.testError).toBeCloseTo(0.05, 12);
    expect(s.cellCount).toBe(12);
    expect(s.goodThreshold).toBeCloseTo(0.055, 12);
    expect(s.good.map((c) => [c.lr, c.weightDecay])).toEqual([[1e-3, 1e-4], [1e-2, 1e-3]]);
    expect(s.bestDecayPerLr.map((c) => c.weightDecay)).toEqual([1e-4, 1e-3, 1e-2]);
    expect(s.goodLrs).toEqual([1e-3, 1e-2]);
    expect(s.sharedDecays).toEqual([]);
  });

  it('tells an entangled grid from a separable one', () => {
    const cells = summarizeCells([...diagonal, ...horizontal]);
    const entangled = summarizeOptimizer(cells, 'adam-l2');
    const separable = summarizeOptimizer(cells, 'adamw');
    expect(separable.sharedDecays).toEqual([1e-2]);
    const text = findings([entangled, separable], WDS).join('\n');
    expect(text).toMatch(/Adam with L2: no single λ stays within 1\.1× .*α 1e-3: λ 1e-4; α 1e-2: λ 1e-3\), so λ has to be retuned/);
    expect(text).toMatch(/AdamW: at each learning rate that reaches the good region \(α 1e-3, 1e-2, 1e-1\), λ 1e-2 stays within 1\.1×/);
    expect(text).toContain(`Best test error: AdamW ${percent(separable.best.testError)} (α 1e-3, λ 1e-2) against Adam with L2 ${percent(entangled.best.testError)} (α 1e-3, λ 1e-4)`);
  });

  it('averages seeds and reports their spread', () => {
    const runs = grid('adamw', (i, j, seed) => 0.1 + 0.01 * i + 0.01 * j + (seed === 1 ? 0.01 : -0.01), [1, 2]);
    const cells = summarizeCells(runs);
    expect(cells).toHaveLength(12);
    const first = cells.find((c) => c.lr === 1e-3 && c.weightDecay === 1e-4)!;
    expect(first.seeds).toBe(2);
    expect(first.testError).toBeCloseTo(0.1, 12);
    expect(first.testErrorStd).toBeCloseTo(0.01, 12);
  });

  it('says when only one learning rate reaches the good region', () => {
    const sharp = grid('adamw', (i, j) => (i === 1 && j === 0 ? 0.05 : 0.5));
    const text = findings([summarizeOptimizer(summarizeCells(sharp), 'adamw')], WDS).join('\n');
    expect(text).toContain('only α 1e-2 reaches that region');
  });
});

describe('formatting', () => {
  it('writes grid values as short powers of ten', () => {
    expect([1e-3, 3e-2, 1, 10, 2.5e-4].map(sci)).toEqual(['1e-3', '3e-2', '1', '1e1', '2.5e-4']);
    expect(percent(0.0712)).toBe('7.12%');
  });
});

describe('breakdown of training by decay', () => {
  it('finds the smallest λ at which every learning rate is more than twice the best error', () => {
    // Errors explode from λ index 2 on at every learning rate.
    const runs = grid('adam-l2', (i, j) => (j >= 2 ? 0.5 : 0.05 + 0.01 * i));
    const s = summarizeOptimizer(summarizeCells(runs), 'adam-l2');
    expect(s.breakdownDecay).toBe(1e-2);
    expect(findings([s], WDS).join('\n')).toContain("from λ 1e-2 on, every learning rate's error is more than 2× the best (5.00%)");
    const mild = summarizeOptimizer(summarizeCells(grid('adamw', (i, j) => 0.05 + 0.001 * (i + j))), 'adamw');
    expect(mild.breakdownDecay).toBeUndefined();
  });
});
