import type { CellResult } from './cell.js';
import type { OptimizerName } from './config.js';

/** A grid cell with its runs averaged over seeds. */
export interface CellSummary {
  optimizer: OptimizerName;
  lr: number;
  weightDecay: number;
  /** Mean test error over the seeds, in [0, 1]. */
  testError: number;
  /** Standard deviation over the seeds (0 with one seed). */
  testErrorStd: number;
  seeds: number;
}

/** What the grid says about one optimizer. */
export interface OptimizerSummary {
  optimizer: OptimizerName;
  best: CellSummary;
  /** Cells of this optimizer in the grid. */
  cellCount: number;
  /** Cells whose error is at most `goodThreshold`. */
  good: CellSummary[];
  /** The good region's threshold: 1.1 × the best error. */
  goodThreshold: number;
  /** For each learning rate, the λ with the lowest error there. */
  bestDecayPerLr: CellSummary[];
  /**
   * For each learning rate, the λ values whose error is within
   * {@link GOOD_FACTOR}× of the best error at that learning rate: the band of
   * weight decays that work there.
   */
  decayBandPerLr: { lr: number; weightDecays: number[] }[];
  /**
   * The λ values inside the band of every learning rate whose best error is
   * in the good region: a weight decay that can be kept while the learning
   * rate is tuned. Empty when the good learning rates need different λ.
   */
  sharedDecays: number[];
  /** The learning rates whose best error is in the good region. */
  goodLrs: number[];
  /** Error at the best learning rate with the smallest λ of the grid, to show what decay buys there. */
  smallestDecayAtBestLr: CellSummary;
  /**
   * The smallest λ of the grid at which every learning rate's error is more
   * than {@link BREAKDOWN_FACTOR}× the best: where the decay breaks training
   * whatever α is. Undefined when no λ of the grid does.
   */
  breakdownDecay: number | undefined;
}

/** How much worse than the best counts as broken. */
export const BREAKDOWN_FACTOR = 2;

/** The good region's threshold relative to the best error. */
export const GOOD_FACTOR = 1.1;

function mean(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

/** Averages the runs of each cell over their seeds. */
export function summarizeCells(runs: readonly CellResult[]): CellSummary[] {
  const groups = new Map<string, CellResult[]>();
  for (const r of runs) {
    const key = `${r.optimizer}|${r.lr}|${r.weightDecay}`;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  return [...groups.values()].map((rs) => {
    const errors = rs.map((r) => r.testError);
    const m = mean(errors);
    return {
      optimizer: rs[0]!.optimizer,
      lr: rs[0]!.lr,
      weightDecay: rs[0]!.weightDecay,
      testError: m,
      testErrorStd: Math.sqrt(mean(errors.map((e) => (e - m) ** 2))),
      seeds: rs.length,
    };
  });
}

/** Lowest error first; ties go to the smaller learning rate and λ, so results do not depend on run order. */
function byError(a: CellSummary, b: CellSummary): number {
  return a.testError - b.testError || a.lr - b.lr || a.weightDecay - b.weightDecay;
}

/** The summary of one optimizer's cells. */
export function summarizeOptimizer(cells: readonly CellSummary[], optimizer: OptimizerName): OptimizerSummary {
  const mine = cells.filter((c) => c.optimizer === optimizer);
  if (mine.length === 0) throw new Error(`no results for optimizer ${optimizer}`);
  const best = [...mine].sort(byError)[0]!;
  const goodThreshold = best.testError * GOOD_FACTOR;
  const good = mine.filter((c) => c.testError <= goodThreshold).sort(byError);
  const lrs = [...new Set(mine.map((c) => c.lr))].sort((a, b) => a - b);
  const bestDecayPerLr = lrs.map((lr) => mine.filter((c) => c.lr === lr).sort(byError)[0]!);
  const decayBandPerLr = bestDecayPerLr.map((top) => ({
    lr: top.lr,
    weightDecays: mine
      .filter((c) => c.lr === top.lr && c.testError <= top.testError * GOOD_FACTOR)
      .map((c) => c.weightDecay)
      .sort((a, b) => a - b),
  }));
  const goodLrs = bestDecayPerLr.filter((c) => c.testError <= goodThreshold).map((c) => c.lr);
  const bands = decayBandPerLr.filter((b) => goodLrs.includes(b.lr)).map((b) => b.weightDecays);
  const sharedDecays = bands[0]!.filter((wd) => bands.every((band) => band.includes(wd)));
  const atBestLr = mine.filter((c) => c.lr === best.lr).sort((a, b) => a.weightDecay - b.weightDecay);
  const decays = [...new Set(mine.map((c) => c.weightDecay))].sort((a, b) => a - b);
  const breakdownDecay = decays.find((wd) => mine.filter((c) => c.weightDecay === wd).every((c) => !(c.testError <= best.testError * BREAKDOWN_FACTOR)));
  return {
    optimizer,
    best,
    cellCount: mine.length,
    good,
    goodThreshold,
    bestDecayPerLr,
    decayBandPerLr,
    sharedDecays,
    goodLrs,
    smallestDecayAtBestLr: atBestLr[0]!,
    breakdownDecay,
  };
}
