import { View, parse } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import type { CellResult } from './cell.js';
import type { OptimizerName } from './config.js';
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

/** Grid values as short powers of ten: 1e-3, 3e-2, 1 (a Vega expression). */
const TICK_LABEL = "replace(replace(replace(format(datum.value, '.0e'), 'e+0', ''), 'e+', 'e'), 'e-0', 'e-')";

export const OPTIMIZER_LABELS: Readonly<Record<OptimizerName, string>> = {
  'adam-l2': 'Adam with L2',
  adamw: 'AdamW',
  'sgd-l2': 'SGD with L2',
  sgdw: 'SGDW',
};

/**
 * A heatmap of test error over learning rate × weight decay, both on log
 * axes, each cell labelled with its error and the best one outlined.
 * `colorDomain` is shared between optimizers so that colours compare.
 */
export function heatmapSpec(summary: OptimizerSummary, cells: readonly CellSummary[], colorDomain: [number, number]): TopLevelSpec {
  const mine = cells.filter((c) => c.optimizer === summary.optimizer);
  const lrEdges = logEdges([...new Set(mine.map((c) => c.lr))]);
  const wdEdges = logEdges([...new Set(mine.map((c) => c.weightDecay))]);
  const values = mine.map((c) => ({
    lr: c.lr,
    weightDecay: c.weightDecay,
    lr0: lrEdges.get(c.lr)![0],
    lr1: lrEdges.get(c.lr)![1],
    wd0: wdEdges.get(c.weightDecay)![0],
    wd1: wdEdges.get(c.weightDecay)![1],
    error: c.testError * 100,
    label: (c.testError * 100).toFixed(1),
    best: c === summary.best,
  }));
  const lrTicks = [...lrEdges.keys()];
  const wdTicks = [...wdEdges.keys()];
  const x = { field: 'lr0', type: 'quantitative' as const, scale: { type: 'log' as const, domain: [Math.min(...values.map((v) => v.lr0)), Math.max(...values.map((v) => v.lr1))], nice: false }, axis: { title: 'learning rate α (log)', values: lrTicks, labelExpr: TICK_LABEL } };
  const y = { field: 'wd0', type: 'quantitative' as const, scale: { type: 'log' as const, domain: [Math.min(...values.map((v) => v.wd0)), Math.max(...values.map((v) => v.wd1))], nice: false }, axis: { title: 'weight decay λ (log)', values: wdTicks, labelExpr: TICK_LABEL } };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: { text: `${OPTIMIZER_LABELS[summary.optimizer]}: test error (%)`, subtitle: `best ${(summary.best.testError * 100).toFixed(2)}% at α = ${sci(summary.best.lr)}, λ = ${sci(summary.best.weightDecay)} (outlined)` },
    width: 60 * lrTicks.length,
    height: 40 * wdTicks.length,
    data: { values },
    layer: [
      {
        mark: { type: 'rect' },
        encoding: {
          x,
          x2: { field: 'lr1' },
          y,
          y2: { field: 'wd1' },
          color: { field: 'error', type: 'quantitative', title: 'error %', scale: { scheme: 'viridis', reverse: true, domain: colorDomain.map((d) => d * 100), clamp: true } },
        },
      },
      {
        transform: [{ filter: 'datum.best' }],
        mark: { type: 'rect', fill: null, stroke: '#d62728', strokeWidth: 3 },
        encoding: { x, x2: { field: 'lr1' }, y, y2: { field: 'wd1' } },
      },
      {
        transform: [{ calculate: 'sqrt(datum.lr0 * datum.lr1)', as: 'lrMid' }, { calculate: 'sqrt(datum.wd0 * datum.wd1)', as: 'wdMid' }],
        mark: { type: 'text', fontSize: 10 },
        encoding: {
          x: { ...x, field: 'lrMid' },
          y: { ...y, field: 'wdMid' },
          text: { field: 'label' },
          // Dark (high-error) cells of the reversed viridis scale get white text.
          color: { condition: { test: `datum.error > ${(colorDomain[0] + (colorDomain[1] - colorDomain[0]) * 0.45) * 100}`, value: 'white' }, value: 'black' },
        },
      },
    ],
  } as TopLevelSpec;
}

/**
 * Learning curves of each optimizer's best cell (mean over seeds): test
 * error and training loss per epoch.
 */
export function curvesSpec(summaries: readonly OptimizerSummary[], runs: readonly CellResult[]): TopLevelSpec {
  const values: { optimizer: string; epoch: number; testError: number; trainLoss: number }[] = [];
  for (const s of summaries) {
    const mine = runs.filter((r) => r.optimizer === s.optimizer && r.lr === s.best.lr && r.weightDecay === s.best.weightDecay);
    const epochs = mine[0]?.curve.length ?? 0;
    for (let e = 0; e < epochs; e++) {
      const points = mine.map((r) => r.curve[e]!);
      values.push({
        optimizer: `${OPTIMIZER_LABELS[s.optimizer]} (α ${sci(s.best.lr)}, λ ${sci(s.best.weightDecay)})`,
        epoch: e + 1,
        testError: (points.reduce((a, p) => a + p.testError, 0) / points.length) * 100,
        trainLoss: points.reduce((a, p) => a + p.trainLoss, 0) / points.length,
      });
    }
  }
  const color = { field: 'optimizer', type: 'nominal' as const, title: 'best cell of', legend: { orient: 'bottom' as const, direction: 'vertical' as const, labelLimit: 400 } };
  const xAxis = { field: 'epoch', type: 'quantitative' as const, title: 'epoch', scale: { nice: false }, axis: { format: 'd', tickMinStep: 1 } };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: 'Learning curves of the best cell of each optimizer',
    data: { values },
    hconcat: [
      {
        width: 300,
        height: 220,
        mark: { type: 'line', point: true },
        encoding: { x: xAxis, y: { field: 'testError', type: 'quantitative', title: 'test error (%)', scale: { zero: false } }, color },
      },
      {
        width: 300,
        height: 220,
        mark: { type: 'line', point: true },
        encoding: { x: xAxis, y: { field: 'trainLoss', type: 'quantitative', title: 'training loss (log)', scale: { type: 'log' } }, color },
      },
    ],
  } as TopLevelSpec;
}
