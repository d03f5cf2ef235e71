import type { CellResult } from './cell.js';
import type { OptimizerName } from './config.js';
import { confidenceHalfWidth, mean, sampleStd } from './stats.js';

/** A grid cell with its runs averaged over seeds. */
export interface CellSummary {
  optimizer: OptimizerName;
  lr: number;
  weightDecayNorm: number;
  /** λ as the optimizer was given it (the same for every seed of the cell). */
  weightDecay: number;
  /** Mean test error over the seeds, in [0, 1]; NaN when a seed diverged. */
  testError: number;
  /** Sample standard deviation over the seeds (0 with one seed). */
  testErrorStd: number;
  /** Half-width of the 95% confidence interval of the mean over seeds (Student's t); NaN with one seed. */
  testErrorCi: number;
  /** Mean training error over the seeds. */
  trainError: number;
  /** Mean norm of the decayed weights after training. */
  weightNorm: number;
  seeds: number;
}

/** What the grid says about one optimizer. */
export interface OptimizerSummary {
  optimizer: OptimizerName;
  best: CellSummary;
  /** Cells of this optimizer in the grid. */
  cellCount: number;
  /** The learning rates and normalized weight decays of its grid, ascending. */
  lrs: number[];
  decays: number[];
  /** Cells whose error is at most `goodThreshold`. */
  good: CellSummary[];
  /** The good region's threshold: {@link GOOD_FACTOR} × the best error. */
  goodThreshold: number;
  /** For each learning rate, the λ_norm with the lowest error there. */
  bestDecayPerLr: CellSummary[];
  /** For each learning rate, the λ_norm whose error is within {@link GOOD_FACTOR}× of that learning rate's best. */
  decayBandPerLr: { lr: number; weightDecayNorms: number[] }[];
  /** The learning rates whose best error is in the good region. */
  goodLrs: number[];
  /** λ_norm inside the band of every good learning rate: a λ that can be kept while α is tuned. */
  sharedDecays: number[];
  /** Error at the best learning rate with the smallest λ_norm of the grid, to show what decay buys there. */
  smallestDecayAtBestLr: CellSummary;
  /**
   * The smallest λ_norm at which every learning rate's error is more than
   * {@link BREAKDOWN_FACTOR}× the best: where decay breaks training whatever
   * α is. Undefined when no λ_norm of the grid does.
   */
  breakdownDecay: number | undefined;
  /** The edges of the grid that cells of the good region lie on. */
  goodOnEdge: GridEdge[];
}

/** An edge of an optimizer's grid. */
export type GridEdge = 'smallest α' | 'largest α' | 'smallest λ' | 'largest λ';

/** How much worse than the best counts as broken. */
export const BREAKDOWN_FACTOR = 2;

/** The good region's threshold relative to the best error. */
export const GOOD_FACTOR = 1.1;

/** Averages the runs of each cell over their seeds. */
export function summarizeCells(runs: readonly CellResult[]): CellSummary[] {
  const groups = new Map<string, CellResult[]>();
  for (const r of runs) {
    const key = `${r.optimizer}|${r.lr}|${r.weightDecayNorm}`;
    const group = groups.get(key);
    if (group === undefined) groups.set(key, [r]);
    else group.push(r);
  }
  return [...groups.values()].map((rs) => {
    const errors = rs.map((r) => num(r.testError));
    return {
      optimizer: rs[0]!.optimizer,
      lr: rs[0]!.lr,
      weightDecayNorm: rs[0]!.weightDecayNorm,
      weightDecay: rs[0]!.weightDecay,
      testError: mean(errors),
      testErrorStd: rs.length > 1 ? sampleStd(errors) : 0,
      testErrorCi: confidenceHalfWidth(errors),
      trainError: mean(rs.map((r) => num(r.trainError))),
      weightNorm: mean(rs.map((r) => num(r.weightNorm))),
      seeds: rs.length,
    };
  });
}

/** A diverged run's error is written as null in JSON; it counts as NaN here. */
function num(x: number | null): number {
  return x === null ? Number.NaN : x;
}

/** Error for sorting: a diverged cell (NaN) is worse than any finite one. */
function sortable(e: number): number {
  return Number.isNaN(e) ? Number.POSITIVE_INFINITY : e;
}

/** Lowest error first; ties go to the smaller learning rate and λ, so results do not depend on run order. */
export function byError(a: CellSummary, b: CellSummary): number {
  return sortable(a.testError) - sortable(b.testError) || a.lr - b.lr || a.weightDecayNorm - b.weightDecayNorm;
}

const ascending = (xs: Iterable<number>) => [...new Set(xs)].sort((a, b) => a - b);

/** The summary of one optimizer's cells, or undefined when it has none. */
export function summarizeOptimizer(cells: readonly CellSummary[], optimizer: OptimizerName): OptimizerSummary | undefined {
  const mine = cells.filter((c) => c.optimizer === optimizer);
  if (mine.length === 0) return undefined;
  const best = [...mine].sort(byError)[0]!;
  const goodThreshold = best.testError * GOOD_FACTOR;
  const isGood = (c: CellSummary) => c.testError <= goodThreshold;
  const good = mine.filter(isGood).sort(byError);
  const lrs = ascending(mine.map((c) => c.lr));
  const decays = ascending(mine.map((c) => c.weightDecayNorm));
  const bestDecayPerLr = lrs.map((lr) => mine.filter((c) => c.lr === lr).sort(byError)[0]!);
  const decayBandPerLr = bestDecayPerLr.map((top) => ({
    lr: top.lr,
    weightDecayNorms: mine
      .filter((c) => c.lr === top.lr && c.testError <= top.testError * GOOD_FACTOR)
      .map((c) => c.weightDecayNorm)
      .sort((a, b) => a - b),
  }));
  const goodLrs = bestDecayPerLr.filter(isGood).map((c) => c.lr);
  const bands = decayBandPerLr.filter((b) => goodLrs.includes(b.lr)).map((b) => b.weightDecayNorms);
  const sharedDecays = (bands[0] ?? []).filter((wd) => bands.every((band) => band.includes(wd)));
  const atBestLr = mine.filter((c) => c.lr === best.lr).sort((a, b) => a.weightDecayNorm - b.weightDecayNorm);
  const breakdownDecay = decays.find((wd) => mine.filter((c) => c.weightDecayNorm === wd).every((c) => !(c.testError <= best.testError * BREAKDOWN_FACTOR)));
  const goodOnEdge: GridEdge[] = [];
  if (good.some((c) => c.lr === lrs[0])) goodOnEdge.push('smallest α');
  if (good.some((c) => c.lr === lrs[lrs.length - 1])) goodOnEdge.push('largest α');
  if (good.some((c) => c.weightDecayNorm === decays[0])) goodOnEdge.push('smallest λ');
  if (good.some((c) => c.weightDecayNorm === decays[decays.length - 1])) goodOnEdge.push('largest λ');
  return {
    optimizer,
    best,
    cellCount: mine.length,
    lrs,
    decays,
    good,
    goodThreshold,
    bestDecayPerLr,
    decayBandPerLr,
    goodLrs,
    sharedDecays,
    smallestDecayAtBestLr: atBestLr[0]!,
    breakdownDecay,
    goodOnEdge,
  };
}

/** The summaries of the optimizers that have runs, in the given order. */
export function summarizeAll(runs: readonly CellResult[], optimizers: readonly OptimizerName[]): OptimizerSummary[] {
  const cells = summarizeCells(runs);
  return optimizers.map((o) => summarizeOptimizer(cells, o)).filter((s): s is OptimizerSummary => s !== undefined);
}
