import { describe, expect, it } from 'vitest';
import { analyze } from '../src/analysis.js';
import type { CellResult } from '../src/cell.js';
import { claims, torchFormNotes } from '../src/claims.js';
import type { OptimizerName } from '../src/config.js';
import { percent, points, sci, signed } from '../src/format.js';
import { confidenceHalfWidth, fitLine, sampleStd, tQuantile975, welchDifference } from '../src/stats.js';
import { summarizeCells, summarizeOptimizer } from '../src/summary.js';

const LRS = [1e-3, 2e-3, 4e-3, 8e-3, 1.6e-2];
const WDS = [1 / 64, 1 / 32, 1 / 16, 1 / 8, 1 / 4, 1 / 2, 1];

/** Runs whose errors are given by a function of the cell, one per seed. */
function grid(optimizer: OptimizerName, error: (i: number, j: number, seed: number) => number, seeds = [1], lrs = LRS): CellResult[] {
  return seeds.flatMap((seed) =>
    lrs.flatMap((lr, i) =>
      WDS.map((weightDecayNorm, j) => ({
        optimizer,
        decayScale: null,
        lr,
        weightDecay: weightDecayNorm / 10,
        weightDecayNorm,
        seed,
        testError: error(i, j, seed),
        trainError: error(i, j, seed) / 4,
        trainLoss: 0.1,
        testLoss: 0.2,
        weightNorm: 10,
        seconds: 1,
        curve: [],
      })),
    ),
  );
}

// Entangled: the best λ index falls by one for each step of α up (best λ ∝ 1/α, slope −1), within a wide valley.
const entangled = (i: number, j: number) => 0.05 + 0.004 * Math.abs(i + j - 5) + 0.001 * i;
// Separable: λ index 3 is best at every learning rate (slope 0).
const separable = (i: number, j: number) => 0.045 + 0.004 * Math.abs(j - 3) + 0.001 * i;

describe('statistics', () => {
  it('gives the t quantiles of a 95% interval', () => {
    expect(tQuantile975(1)).toBe(12.706);
    expect(tQuantile975(2)).toBe(4.303);
    expect(tQuantile975(30)).toBe(2.042);
    expect(tQuantile975(60)).toBeCloseTo(2.0003, 2);
    expect(tQuantile975(1e6)).toBeCloseTo(1.96, 3);
    expect(tQuantile975(0)).toBeNaN();
  });

  it('computes the interval of a mean over seeds', () => {
    const xs = [0.03, 0.032, 0.034];
    expect(sampleStd(xs)).toBeCloseTo(0.002, 12);
    expect(confidenceHalfWidth(xs)).toBeCloseTo((4.303 * 0.002) / Math.sqrt(3), 12);
    expect(confidenceHalfWidth([0.03])).toBeNaN();
  });

  it("computes Welch's interval of a difference", () => {
    const { difference, ci } = welchDifference([0.03, 0.031, 0.032], [0.04, 0.041, 0.042]);
    expect(difference).toBeCloseTo(-0.01, 12);
    // Equal spreads and sizes: df = 4, half-width t(4)·√(2·s²/3).
    expect(ci![1] - difference).toBeCloseTo(2.776 * Math.sqrt((2 * 0.001 ** 2) / 3), 9);
    expect(welchDifference([0.03], [0.04]).ci).toBeNull();
    const flat = welchDifference([0.03, 0.03], [0.04, 0.04]);
    expect(flat.ci).toEqual([flat.difference, flat.difference]);
  });

  it('fits a least-squares line and its r²', () => {
    const fit = fitLine([
      { x: 0, y: 1 },
      { x: 1, y: 3 },
      { x: 2, y: 5 },
    ])!;
    expect(fit.slope).toBeCloseTo(2, 12);
    expect(fit.intercept).toBeCloseTo(1, 12);
    expect(fit.r2).toBeCloseTo(1, 12);
    const noisy = fitLine([
      { x: 0, y: 0 },
      { x: 1, y: 1 },
      { x: 2, y: 0 },
    ])!;
    expect(noisy.slope).toBeCloseTo(0, 12);
    expect(noisy.r2).toBeCloseTo(0, 12);
    expect(fitLine([{ x: 1, y: 1 }])).toBeUndefined();
    expect(
      fitLine([
        { x: 1, y: 1 },
        { x: 1, y: 2 },
      ]),
    ).toBeUndefined();
    // Every y the same: the flat line fits exactly.
    expect(
      fitLine([
        { x: 0, y: 2 },
        { x: 1, y: 2 },
      ]),
    ).toEqual({ slope: 0, intercept: 2, r2: 1 });
  });
});

describe('separability', () => {
  const runs = [...grid('adam-l2', entangled), ...grid('adamw', separable)];
  const a = analyze(runs, ['adam-l2', 'adamw']);

  it('measures a slope of −1 on a diagonal valley and 0 on a horizontal one', () => {
    const l2 = a.separability['adam-l2']!;
    const w = a.separability.adamw!;
    // log10 of a factor-2 grid on both axes: one λ step down per α step up is exactly −1.
    expect(l2.slope).toBeCloseTo(-1, 9);
    expect(l2.r2).toBeCloseTo(1, 9);
    expect(w.slope).toBeCloseTo(0, 12);
    expect(w.intercept).toBeCloseTo(Math.log10(1 / 8), 12);
    expect(w.rows.map((r) => r.weightDecayNorm)).toEqual(LRS.map(() => 1 / 8));
  });

  it('fits only the learning rates within 1.1× of the best error', () => {
    // With 0.001 per α step and a best of 0.045, the threshold 0.0495 admits α steps 0–4.
    expect(a.separability.adamw!.rows.map((r) => r.lr)).toEqual(LRS);
    const steep = analyze(
      grid('adamw', (i, j) => 0.045 + 0.004 * Math.abs(j - 3) + 0.003 * i),
      ['adamw'],
    );
    // 0.045 + 0.003·i ≤ 0.0495 for i ≤ 1.
    expect(steep.separability.adamw!.rows.map((r) => r.lr)).toEqual([1e-3, 2e-3]);
  });

  it('counts rows whose best λ lies on the edge of the grid', () => {
    const edge = analyze(
      grid('adamw', (i, j) => 0.05 + 0.001 * j + 0.0001 * i),
      ['adamw'],
    );
    expect(edge.separability.adamw!.onEdge).toBe(LRS.length);
    expect(a.separability.adamw!.onEdge).toBe(0);
  });

  it('fits each seed on its own', () => {
    const seeds = grid('adamw', (i, j, seed) => (seed === 1 ? separable(i, j) : entangled(i, j)), [1, 2]);
    const s = analyze(seeds, ['adamw']).separability.adamw!;
    expect(s.bySeed.map((b) => b.seed)).toEqual([1, 2]);
    expect(s.bySeed[0]!.slope).toBeCloseTo(0, 12);
    expect(s.bySeed[1]!.slope).toBeCloseTo(-1, 9);
  });

  it('gives no slope when only one learning rate reaches the good region', () => {
    const sharp = analyze(
      grid('adamw', (i, j) => (i === 1 && j === 2 ? 0.05 : 0.5)),
      ['adamw'],
    );
    expect(sharp.separability.adamw).toMatchObject({ slope: null, intercept: null, r2: null });
    expect(sharp.separability.adamw!.rows).toHaveLength(1);
  });
});

describe('best cells, gaps and comparisons', () => {
  it('gives the best error with its interval over seeds and the generalization gap', () => {
    const runs = grid('adamw', (i, j, seed) => separable(i, j) + (seed - 2) * 0.001, [1, 2, 3]);
    const b = analyze(runs, ['adamw']).best.adamw!;
    expect(b).toMatchObject({ lr: 1e-3, weightDecayNorm: 1 / 8, seeds: 3 });
    expect(b.testError).toBeCloseTo(0.045, 12);
    const h = (4.303 * 0.001) / Math.sqrt(3);
    expect(b.ci95![0]).toBeCloseTo(0.045 - h, 12);
    expect(b.ci95![1]).toBeCloseTo(0.045 + h, 12);
    expect(b.gap).toBeCloseTo(0.045 * 0.75, 12);
  });

  it('compares each decoupled optimizer with its L2 twin', () => {
    const runs = [
      ...grid('adam-l2', (i, j, seed) => entangled(i, j) + seed * 1e-4, [1, 2, 3]),
      ...grid('adamw', (i, j, seed) => separable(i, j) + seed * 1e-4, [1, 2, 3]),
    ];
    const c = analyze(runs, ['adam-l2', 'adamw']).comparisons.find((x) => x.a === 'adamw' && x.b === 'adam-l2')!;
    expect(c.difference).toBeCloseTo(-0.005, 12);
    expect(c.ci95![0]).toBeLessThan(c.difference);
    expect(c.ci95![1]).toBeLessThan(0);
  });

  it('averages seeds and reports their spread per cell', () => {
    const cells = summarizeCells(grid('adamw', (i, _j, seed) => 0.1 + 0.01 * i + (seed === 1 ? 0.01 : -0.01), [1, 2]));
    const first = cells.find((c) => c.lr === 1e-3 && c.weightDecayNorm === 1 / 64)!;
    expect(first).toMatchObject({ seeds: 2 });
    expect(first.testError).toBeCloseTo(0.1, 12);
    expect(first.testErrorStd).toBeCloseTo(Math.sqrt(2) * 0.01, 12);
  });

  it('finds where decay breaks training and which edges the good region touches', () => {
    const s = summarizeOptimizer(summarizeCells(grid('adam-l2', (i, j) => (j >= 5 ? 0.5 : 0.05 + 0.01 * i))), 'adam-l2')!;
    expect(s.breakdownDecay).toBe(1 / 2);
    expect(s.goodOnEdge).toEqual(['smallest α', 'smallest λ']);
    expect(summarizeOptimizer([], 'adamw')).toBeUndefined();
  });
});

describe('claims', () => {
  const seeds = [1, 2, 3];
  const noise = (seed: number) => (seed - 2) * 2e-4;

  it('reproduces the separability claim when L2 is diagonal and decoupled decay is flat', () => {
    const a = analyze([...grid('adam-l2', entangled, seeds), ...grid('adamw', separable, seeds)], ['adam-l2', 'adamw']);
    const [sep] = claims(a);
    expect(sep!.verdict).toBe('reproduced');
    expect(sep!.evidence).toContain('AdamW: slope +0.00');
    expect(sep!.evidence).toContain('Adam with L2: slope −1.00');
  });

  it('does not when both are flat, and is inconclusive with too few learning rates', () => {
    const flat = analyze([...grid('adam-l2', separable), ...grid('adamw', separable)], ['adam-l2', 'adamw']);
    expect(claims(flat)[0]!.verdict).toBe('partly reproduced');
    const bothDiagonal = analyze([...grid('adam-l2', entangled), ...grid('adamw', entangled)], ['adam-l2', 'adamw']);
    expect(claims(bothDiagonal)[0]!.verdict).toBe('partly reproduced');
    const reversed = analyze([...grid('adam-l2', separable), ...grid('adamw', entangled)], ['adam-l2', 'adamw']);
    expect(claims(reversed)[0]!.verdict).toBe('not reproduced');
    const two = analyze([...grid('adam-l2', entangled, [1], [1e-3, 2e-3]), ...grid('adamw', separable, [1], [1e-3, 2e-3])], ['adam-l2', 'adamw']);
    expect(claims(two)[0]!.verdict).toBe('inconclusive');
  });

  it('judges the generalization claim by the interval of the difference', () => {
    const better = analyze(
      [...grid('adam-l2', (i, j, s) => entangled(i, j) + noise(s), seeds), ...grid('adamw', (i, j, s) => separable(i, j) + noise(s), seeds)],
      ['adam-l2', 'adamw'],
    );
    expect(claims(better).find((c) => c.claim.startsWith('AdamW generalizes'))!.verdict).toBe('reproduced');
    const tie = analyze(
      [...grid('adam-l2', (i, j, s) => separable(i, j) + noise(s), seeds), ...grid('adamw', (i, j, s) => separable(i, j) - noise(s), seeds)],
      ['adam-l2', 'adamw'],
    );
    const claim = claims(tie).find((c) => c.claim.startsWith('AdamW generalizes'))!;
    expect(claim.verdict).toBe('not reproduced');
    expect(claim.evidence).toContain('The interval holds 0');
    const oneSeed = analyze([...grid('adam-l2', entangled), ...grid('adamw', separable)], ['adam-l2', 'adamw']);
    expect(claims(oneSeed).find((c) => c.claim.startsWith('AdamW generalizes'))!.verdict).toBe('inconclusive');
  });

  it('judges whether AdamW closes the gap to SGD', () => {
    const sgdBetter = (i: number, j: number, s: number) => 0.04 + 0.004 * Math.abs(j - 3) + 0.001 * i + noise(s);
    const closes = analyze(
      [
        ...grid('adam-l2', (i, j, s) => entangled(i, j) + noise(s), seeds),
        ...grid('adamw', (i, j, s) => sgdBetter(i, j, s) + 1e-4, seeds),
        ...grid('sgd-l2', sgdBetter, seeds),
        ...grid('sgdw', sgdBetter, seeds),
      ],
      ['adam-l2', 'adamw', 'sgd-l2', 'sgdw'],
    );
    expect(claims(closes).find((c) => c.claim.startsWith('With decoupled decay'))!.verdict).toBe('reproduced');
    const noGap = analyze(
      [...grid('adam-l2', (i, j, s) => sgdBetter(i, j, s), seeds), ...grid('adamw', sgdBetter, seeds), ...grid('sgd-l2', sgdBetter, seeds)],
      ['adam-l2', 'adamw', 'sgd-l2'],
    );
    const claim = claims(noGap).find((c) => c.claim.startsWith('With decoupled decay'))!;
    expect(claim.verdict).toBe('not reproduced');
    expect(claim.evidence).toContain('no gap for AdamW to close');
  });

  it('notes the slope of the torch form when it ran', () => {
    const a = analyze([...grid('adamw', separable), ...grid('adamw-torch', entangled)], ['adamw', 'adamw-torch']);
    const [note] = torchFormNotes(a);
    expect(note).toContain('AdamW, torch form: slope −1.00');
    expect(note).toContain("in the paper's form, AdamW: slope +0.00");
    expect(torchFormNotes(analyze(grid('adamw', separable), ['adamw']))).toEqual([]);
  });
});

describe('formatting', () => {
  it('writes grid values, errors, differences and slopes', () => {
    expect([1e-3, 3e-2, 1, 10, 2.5e-4, 0.015625].map(sci)).toEqual(['1e-3', '3e-2', '1', '1e1', '2.5e-4', '1.56e-2']);
    expect(percent(0.0712)).toBe('7.12%');
    expect(points(-0.0012)).toBe('−0.12 points');
    expect(points(0.0034)).toBe('+0.34 points');
    expect(signed(-0.98)).toBe('−0.98');
  });
});
