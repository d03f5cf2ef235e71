import { View, parse } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import type { Analysis } from './analysis.js';
import type { CellResult } from './cell.js';
import { OPTIMIZERS, type OptimizerName, type ScheduleConfig } from './config.js';
import { sci } from './format.js';
import type { CellSummary, OptimizerSummary } from './summary.js';

/** Renders a Vega-Lite spec to SVG headlessly (no canvas, no browser). */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const view = new View(parse(compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** An optimizer's display name under the run's schedule (AdamW, or AdamWR with warm restarts). */
export function optimizerLabel(o: OptimizerName, schedule: ScheduleConfig = { kind: 'cosine' }): string {
  return schedule.kind === 'restarts' ? OPTIMIZERS[o].restartLabel : OPTIMIZERS[o].label;
}

/** Cell edges halfway between neighbouring grid values on a log scale, so cells tile the log axis. */
function logEdges(values: readonly number[]): Map<number, [number, number]> {
  const sorted = [...values].sort((a, b) => a - b);
  const out = new Map<number, [number, number]>();
  sorted.forEach((v, i) => {
    const below = i > 0 ? Math.sqrt(v * sorted[i - 1]!) : v / Math.sqrt(sorted[i + 1] !== undefined ? sorted[i + 1]! / v : 10);
    const above = i < sorted.length - 1 ? Math.sqrt(v * sorted[i + 1]!) : v * Math.sqrt(sorted[i - 1] !== undefined ? v / sorted[i - 1]! : 10);
    out.set(v, [below, above]);
  });
  return out;
}

/** Grid values in the report's short form (1e-3, 6.25e-3, 0.05 → 5e-2): a Vega expression over the same rule as `sci`. */
function tickLabels(values: readonly number[]): string {
  const cases = values.map((v) => `abs(datum.value - ${v}) < ${v * 1e-6} ? '${sci(v)}'`).join(' : ');
  return `${cases} : ''`;
}

/** The colour scale shared by every heatmap of a run, so that colours compare: errors far above the best share the darkest colour. */
export function colorDomain(cells: readonly CellSummary[]): [number, number] {
  const errors = cells.map((c) => c.testError).filter(Number.isFinite);
  const lowest = Math.min(...errors);
  return [lowest, Math.min(Math.max(...errors), Math.max(2 * lowest, lowest + 0.03))];
}

/**
 * A heatmap of test error over learning rate α × normalized weight decay
 * λ_norm, both on log axes, as in the paper's Figure 2: each cell labelled
 * with its error, the best one outlined in red, the best λ of each learning
 * rate in the good region outlined in white, and the fitted line of the
 * separability analysis dashed through them.
 */
export function heatmapSpec(
  summary: OptimizerSummary,
  cells: readonly CellSummary[],
  analysis: Analysis,
  domain: [number, number],
  schedule?: ScheduleConfig,
): TopLevelSpec {
  const mine = cells.filter((c) => c.optimizer === summary.optimizer);
  const lrEdges = logEdges(summary.lrs);
  const wdEdges = logEdges(summary.decays);
  const separability = analysis.separability[summary.optimizer];
  const fitRows = new Set((separability?.rows ?? []).map((r) => `${r.lr}|${r.weightDecayNorm}`));
  const values = mine.map((c) => ({
    lr0: lrEdges.get(c.lr)![0],
    lr1: lrEdges.get(c.lr)![1],
    wd0: wdEdges.get(c.weightDecayNorm)![0],
    wd1: wdEdges.get(c.weightDecayNorm)![1],
    lrMid: c.lr,
    wdMid: c.weightDecayNorm,
    error: Number.isFinite(c.testError) ? c.testError * 100 : null,
    label: Number.isFinite(c.testError) ? (c.testError * 100).toFixed(1) : '×',
    best: c.lr === summary.best.lr && c.weightDecayNorm === summary.best.weightDecayNorm,
    fit: fitRows.has(`${c.lr}|${c.weightDecayNorm}`),
  }));
  const xDomain = [Math.min(...values.map((v) => v.lr0)), Math.max(...values.map((v) => v.lr1))];
  const yDomain = [Math.min(...values.map((v) => v.wd0)), Math.max(...values.map((v) => v.wd1))];
  const x = {
    field: 'lr0',
    type: 'quantitative' as const,
    scale: { type: 'log' as const, domain: xDomain, nice: false },
    axis: { title: 'learning rate α', values: summary.lrs, labelExpr: tickLabels(summary.lrs), labelAngle: -45 },
  };
  const y = {
    field: 'wd0',
    type: 'quantitative' as const,
    scale: { type: 'log' as const, domain: yDomain, nice: false },
    axis: { title: 'normalized weight decay λ_norm', values: summary.decays, labelExpr: tickLabels(summary.decays) },
  };
  const threshold = (domain[0] + (domain[1] - domain[0]) * 0.45) * 100;
  const layers: unknown[] = [
    {
      mark: { type: 'rect' },
      encoding: {
        x,
        x2: { field: 'lr1' },
        y,
        y2: { field: 'wd1' },
        color: {
          field: 'error',
          type: 'quantitative',
          title: 'test error %',
          scale: { scheme: 'viridis', reverse: true, domain: domain.map((d) => d * 100), clamp: true },
        },
      },
    },
    {
      transform: [{ filter: 'datum.fit && !datum.best' }],
      mark: { type: 'rect', fill: null, stroke: 'white', strokeWidth: 2 },
      encoding: { x, x2: { field: 'lr1' }, y, y2: { field: 'wd1' } },
    },
    {
      transform: [{ filter: 'datum.best' }],
      mark: { type: 'rect', fill: null, stroke: '#d62728', strokeWidth: 3 },
      encoding: { x, x2: { field: 'lr1' }, y, y2: { field: 'wd1' } },
    },
    {
      mark: { type: 'text', fontSize: 9 },
      encoding: {
        x: { ...x, field: 'lrMid' },
        y: { ...y, field: 'wdMid' },
        text: { field: 'label' },
        // Dark (high-error) cells of the reversed viridis scale get white text.
        color: { condition: { test: `datum.error === null || datum.error > ${threshold}`, value: 'white' }, value: 'black' },
      },
    },
  ];
  if (separability?.slope != null && separability.rows.length >= 2) {
    const lo = Math.min(...separability.rows.map((r) => r.lr));
    const hi = Math.max(...separability.rows.map((r) => r.lr));
    const line = [lo, hi].map((lr) => ({ lrMid: lr, wdMid: 10 ** (separability.intercept! + separability.slope! * Math.log10(lr)) }));
    layers.push({
      data: { values: line },
      mark: { type: 'line', stroke: '#ff7f0e', strokeDash: [6, 3], strokeWidth: 2, clip: true },
      encoding: { x: { ...x, field: 'lrMid' }, y: { ...y, field: 'wdMid' } },
    });
  }
  const slope = separability?.slope == null ? 'no slope (fewer than 2 good α)' : `slope ${separability.slope.toFixed(2)}, r² ${separability.r2!.toFixed(2)}`;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: {
      text: `${optimizerLabel(summary.optimizer, schedule)}: test error (%)`,
      subtitle: [
        `best ${(summary.best.testError * 100).toFixed(2)}% at α = ${sci(summary.best.lr)}, λ_norm = ${sci(summary.best.weightDecayNorm)} (red)`,
        `best λ of each α within 1.1× of the best (white), fit: ${slope} (dashed)`,
      ],
    },
    width: 44 * summary.lrs.length,
    height: 30 * summary.decays.length,
    data: { values },
    layer: layers,
  } as TopLevelSpec;
}

/** Mean over seeds of the learning curves of each optimizer's best cell. */
function bestCurves(summaries: readonly OptimizerSummary[], runs: readonly CellResult[], schedule?: ScheduleConfig) {
  const values: { optimizer: string; epoch: number; testError: number; trainLoss: number; testLoss: number }[] = [];
  for (const s of summaries) {
    const mine = runs.filter((r) => r.optimizer === s.optimizer && r.lr === s.best.lr && r.weightDecayNorm === s.best.weightDecayNorm);
    const epochs = Math.min(...mine.map((r) => r.curve.length));
    for (let e = 0; e < epochs; e++) {
      const points = mine.map((r) => r.curve[e]!);
      const avg = (f: (p: CellResult['curve'][number]) => number | null) => points.reduce((a, p) => a + (f(p) ?? Number.NaN), 0) / points.length;
      values.push({
        optimizer: `${optimizerLabel(s.optimizer, schedule)} (α ${sci(s.best.lr)}, λ_norm ${sci(s.best.weightDecayNorm)})`,
        epoch: e + 1,
        testError: avg((p) => p.testError) * 100,
        trainLoss: avg((p) => p.trainLoss),
        testLoss: avg((p) => p.testLoss),
      });
    }
  }
  return values;
}

/**
 * Learning curves of each optimizer's best cell (mean over seeds): test
 * error, training loss and test loss per epoch.
 */
export function curvesSpec(summaries: readonly OptimizerSummary[], runs: readonly CellResult[], schedule?: ScheduleConfig): TopLevelSpec {
  const color = {
    field: 'optimizer',
    type: 'nominal' as const,
    title: 'best cell of',
    legend: { orient: 'bottom' as const, direction: 'vertical' as const, labelLimit: 400 },
  };
  const xAxis = { field: 'epoch', type: 'quantitative' as const, title: 'epoch', scale: { nice: false }, axis: { format: 'd', tickMinStep: 1 } };
  const panel = (field: string, title: string, log: boolean) => ({
    width: 260,
    height: 200,
    mark: { type: 'line' as const, point: false },
    encoding: { x: xAxis, y: { field, type: 'quantitative' as const, title, scale: log ? { type: 'log' as const } : { zero: false } }, color },
  });
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: 'Learning curves of the best cell of each optimizer (mean over seeds)',
    data: { values: bestCurves(summaries, runs, schedule) },
    hconcat: [panel('testError', 'test error (%)', false), panel('trainLoss', 'training loss (log)', true), panel('testLoss', 'test loss (log)', true)],
  } as TopLevelSpec;
}

/**
 * The separability analysis as a picture: each optimizer's best λ_norm at
 * every learning rate of its good region, and the fitted line, one panel
 * per family.
 */
export function separabilitySpec(analysis: Analysis, optimizers: readonly OptimizerName[], schedule?: ScheduleConfig): TopLevelSpec {
  const points: { family: string; optimizer: string; lr: number; weightDecayNorm: number }[] = [];
  const lines: { family: string; optimizer: string; lr: number; weightDecayNorm: number }[] = [];
  for (const o of optimizers) {
    const s = analysis.separability[o];
    if (s === undefined) continue;
    const family = OPTIMIZERS[o].family === 'adam' ? 'Adam' : 'SGD with momentum';
    const name = `${optimizerLabel(o, schedule)}${s.slope === null ? '' : ` (slope ${s.slope.toFixed(2)})`}`;
    for (const r of s.rows) points.push({ family, optimizer: name, lr: r.lr, weightDecayNorm: r.weightDecayNorm });
    if (s.slope !== null && s.rows.length >= 2) {
      const lrs = s.rows.map((r) => r.lr);
      for (const lr of [Math.min(...lrs), Math.max(...lrs)])
        lines.push({ family, optimizer: name, lr, weightDecayNorm: 10 ** (s.intercept! + s.slope * Math.log10(lr)) });
    }
  }
  const enc = {
    x: { field: 'lr', type: 'quantitative' as const, title: 'learning rate α (log)', scale: { type: 'log' as const } },
    y: { field: 'weightDecayNorm', type: 'quantitative' as const, title: 'best λ_norm at α (log)', scale: { type: 'log' as const } },
    color: {
      field: 'optimizer',
      type: 'nominal' as const,
      title: null,
      legend: { orient: 'bottom' as const, direction: 'vertical' as const, labelLimit: 400 },
    },
  };
  const families = [...new Set(points.map((p) => p.family))];
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: {
      text: 'Best weight decay at each learning rate of the good region',
      subtitle: 'slope ≈ 0: λ and α tune separately; slope ≈ −1: λ must follow 1/α',
    },
    hconcat: families.map((family) => ({
      title: family,
      width: 260,
      height: 220,
      layer: [
        { data: { values: lines.filter((l) => l.family === family) }, mark: { type: 'line', strokeDash: [6, 3] }, encoding: enc },
        { data: { values: points.filter((p) => p.family === family) }, mark: { type: 'point', filled: true, size: 60 }, encoding: enc },
      ],
    })),
    resolve: { scale: { color: 'independent' } },
  } as TopLevelSpec;
}
