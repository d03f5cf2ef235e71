import type { CellResult } from './cell.js';
import type { OptimizerName } from './config.js';
import { fitLine, welchDifference } from './stats.js';
import { GOOD_FACTOR, summarizeAll, summarizeCells, summarizeOptimizer, type GridEdge, type OptimizerSummary } from './summary.js';

/**
 * How the best weight decay moves with the learning rate: a least-squares
 * line log10(λ_norm*) = slope·log10(α) + intercept through the best λ_norm
 * of each learning rate that reaches within {@link GOOD_FACTOR}× of the
 * optimizer's best error. Slope ≈ 0: the two can be tuned separately; ≈ −1:
 * λ·α is what matters, so λ must be retuned whenever α changes.
 */
export interface Separability {
  /** null with fewer than two learning rates in the good region. */
  slope: number | null;
  intercept: number | null;
  r2: number | null;
  /** The points of the fit: each good learning rate and its best λ_norm (mean over seeds). */
  rows: { lr: number; weightDecayNorm: number; testError: number }[];
  /** Rows whose best λ_norm is the smallest or largest of the grid: the true best may lie beyond it. */
  onEdge: number;
  /** The same fit on each seed's runs alone, to show how much the slope moves between seeds. */
  bySeed: { seed: number; slope: number | null; rows: number }[];
}

/** The best cell of an optimizer, averaged over seeds. */
export interface BestCell {
  lr: number;
  weightDecayNorm: number;
  weightDecay: number;
  /** Mean test error over seeds. */
  testError: number;
  /** 95% confidence interval of that mean over seeds (Student's t); null with one seed. */
  ci95: [number, number] | null;
  seeds: number;
  trainError: number;
  /** The generalization gap: test error − training error. */
  gap: number;
  weightNorm: number;
}

/** The good region of an optimizer's grid. */
export interface Region {
  /** Cells within {@link GOOD_FACTOR}× of the best error, of all cells. */
  goodCells: number;
  cells: number;
  /** Edges of the grid that good cells touch: the region may continue beyond them. */
  onEdge: GridEdge[];
  /** λ_norm that stay within the factor at every good learning rate. */
  sharedWeightDecayNorms: number[];
  /** The smallest λ_norm at which every learning rate is more than 2× the best error; null when none. */
  breakdownWeightDecayNorm: number | null;
}

/** Best errors of two optimizers compared: `difference` = a − b, with Welch's 95% interval over seeds. */
export interface Comparison {
  a: OptimizerName;
  b: OptimizerName;
  difference: number;
  ci95: [number, number] | null;
}

/** The `analysis` block of results.json. */
export interface Analysis {
  goodFactor: number;
  separability: Partial<Record<OptimizerName, Separability>>;
  best: Partial<Record<OptimizerName, BestCell>>;
  region: Partial<Record<OptimizerName, Region>>;
  comparisons: Comparison[];
}

function separabilityOf(s: OptimizerSummary): Omit<Separability, 'bySeed'> {
  const rows = s.bestDecayPerLr.filter((c) => s.goodLrs.includes(c.lr)).map((c) => ({ lr: c.lr, weightDecayNorm: c.weightDecayNorm, testError: c.testError }));
  const fit = fitLine(rows.map((r) => ({ x: Math.log10(r.lr), y: Math.log10(r.weightDecayNorm) })));
  const edges = [s.decays[0], s.decays[s.decays.length - 1]];
  return {
    slope: fit?.slope ?? null,
    intercept: fit?.intercept ?? null,
    r2: fit?.r2 ?? null,
    rows,
    onEdge: rows.filter((r) => edges.includes(r.weightDecayNorm)).length,
  };
}

/** The best cells' per-seed errors, for intervals and comparisons. */
function bestErrors(runs: readonly CellResult[], s: OptimizerSummary): number[] {
  return runs
    .filter((r) => r.optimizer === s.optimizer && r.lr === s.best.lr && r.weightDecayNorm === s.best.weightDecayNorm)
    .map((r) => (r.testError === null ? Number.NaN : r.testError));
}

/** The pairs compared: each decoupled optimizer with its L2 twin, and AdamW with each SGD variant. */
const PAIRS: [OptimizerName, OptimizerName][] = [
  ['adamw', 'adam-l2'],
  ['adamw-torch', 'adam-l2'],
  ['sgdw', 'sgd-l2'],
  ['sgdw-torch', 'sgd-l2'],
  ['adamw', 'sgd-l2'],
  ['adamw', 'sgdw'],
  ['adam-l2', 'sgd-l2'],
  ['adam-l2', 'sgdw'],
];

/** Everything results.json says about the grid, computed from its runs. */
export function analyze(runs: readonly CellResult[], optimizers: readonly OptimizerName[]): Analysis {
  const summaries = summarizeAll(runs, optimizers);
  const seeds = [...new Set(runs.map((r) => r.seed))].sort((a, b) => a - b);
  const analysis: Analysis = { goodFactor: GOOD_FACTOR, separability: {}, best: {}, region: {}, comparisons: [] };
  const errorsOf = new Map<OptimizerName, number[]>();
  for (const s of summaries) {
    const bySeed = seeds.map((seed) => {
      const own = summarizeOptimizer(summarizeCells(runs.filter((r) => r.seed === seed)), s.optimizer);
      const fit = own === undefined ? undefined : separabilityOf(own);
      return { seed, slope: fit?.slope ?? null, rows: fit?.rows.length ?? 0 };
    });
    analysis.separability[s.optimizer] = { ...separabilityOf(s), bySeed };
    const errors = bestErrors(runs, s);
    errorsOf.set(s.optimizer, errors);
    const b = s.best;
    analysis.best[s.optimizer] = {
      lr: b.lr,
      weightDecayNorm: b.weightDecayNorm,
      weightDecay: b.weightDecay,
      testError: b.testError,
      ci95: Number.isFinite(b.testErrorCi) ? [b.testError - b.testErrorCi, b.testError + b.testErrorCi] : null,
      seeds: b.seeds,
      trainError: b.trainError,
      gap: b.testError - b.trainError,
      weightNorm: b.weightNorm,
    };
    analysis.region[s.optimizer] = {
      goodCells: s.good.length,
      cells: s.cellCount,
      onEdge: s.goodOnEdge,
      sharedWeightDecayNorms: s.sharedDecays,
      breakdownWeightDecayNorm: s.breakdownDecay ?? null,
    };
  }
  for (const [a, b] of PAIRS) {
    const ea = errorsOf.get(a);
    const eb = errorsOf.get(b);
    if (ea === undefined || eb === undefined) continue;
    const { difference, ci } = welchDifference(ea, eb);
    analysis.comparisons.push({ a, b, difference, ci95: ci });
  }
  return analysis;
}
