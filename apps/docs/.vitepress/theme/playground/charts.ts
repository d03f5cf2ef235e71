// What the playground draws, as Vega-Lite specifications over named data
// sets that the page streams rows into (the experiment's charts are
// Vega-Lite too), and the binning of the weight-norm histogram.
import type { TopLevelSpec } from 'vega-lite';
import type { PlaygroundOptimizer } from './protocol';

export const LABELS: Readonly<Record<PlaygroundOptimizer, string>> = { 'adam-l2': 'Adam with L2', adamw: 'AdamW' };

const color = {
  field: 'optimizer',
  type: 'nominal' as const,
  title: null,
  scale: { domain: [LABELS['adam-l2'], LABELS.adamw], range: ['#4c78a8', '#f58518'] },
  legend: { orient: 'top' as const },
};

const base = { $schema: 'https://vega.github.io/schema/vega-lite/v5.json' };

/** Training loss per update (an exponential moving average of the batch losses), log scale, over the run's `steps` updates. */
export function lossSpec(width: number, steps: number): TopLevelSpec {
  return {
    ...base,
    width,
    height: 200,
    title: 'training loss (moving average)',
    data: { name: 'loss' },
    mark: { type: 'line', clip: true },
    encoding: {
      x: { field: 'step', type: 'quantitative', title: 'update', scale: { domain: [0, steps], nice: false } },
      y: { field: 'loss', type: 'quantitative', title: null, scale: { type: 'log' } },
      color,
    },
  } as TopLevelSpec;
}

/** Test error (%) at each evaluation, over the run's `steps` updates. */
export function errorSpec(width: number, steps: number): TopLevelSpec {
  return {
    ...base,
    width,
    height: 200,
    title: 'test error (%)',
    data: { name: 'evals' },
    mark: { type: 'line', point: true, clip: true },
    encoding: {
      x: { field: 'step', type: 'quantitative', title: 'update', scale: { domain: [0, steps], nice: false } },
      y: { field: 'testError', type: 'quantitative', title: null, scale: { zero: false } },
      color,
    },
  } as TopLevelSpec;
}

/** How many units have an incoming-weight norm in each bin, one bar per optimizer and bin. */
export function histogramSpec(width: number): TopLevelSpec {
  return {
    ...base,
    width,
    height: 200,
    title: 'weight norm of each unit (histogram)',
    data: { name: 'hist' },
    mark: { type: 'bar', opacity: 0.65, binSpacing: 0 },
    encoding: {
      x: { field: 'lo', type: 'quantitative', title: '‖incoming weights‖₂', bin: { binned: true } },
      x2: { field: 'hi' },
      y: { field: 'count', type: 'quantitative', title: 'units', stack: null },
      color,
    },
  } as TopLevelSpec;
}

/**
 * Test error of every cell of one optimizer's grid, filled in as cells
 * finish. The axes' domains are the grid's, so the layout is fixed before
 * the first cell arrives.
 */
export function gridSpec(optimizer: PlaygroundOptimizer, lrs: readonly number[], weightDecays: readonly number[]): TopLevelSpec {
  const x = { field: 'lrLabel', type: 'ordinal' as const, title: 'learning rate α', scale: { domain: lrs.map(gridLabel) }, axis: { labelAngle: 0 } };
  const y = { field: 'wdLabel', type: 'ordinal' as const, title: 'weight decay λ', scale: { domain: [...weightDecays].reverse().map(gridLabel) } };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: `${LABELS[optimizer]}: test error (%)`,
    width: 56 * lrs.length,
    height: 36 * weightDecays.length,
    data: { name: 'cells' },
    layer: [
      {
        mark: 'rect',
        encoding: {
          x,
          y,
          color: { field: 'testError', type: 'quantitative', title: 'error %', scale: { scheme: 'viridis', reverse: true, domain: [0, 100] }, legend: null },
        },
      },
      {
        mark: { type: 'text', fontSize: 11 },
        encoding: {
          x,
          y,
          text: { field: 'testError', type: 'quantitative', format: '.1f' },
          color: { condition: { test: 'datum.testError > 45', value: 'white' }, value: 'black' },
        },
      },
    ],
  } as TopLevelSpec;
}

/** A grid value as its axis shows it. */
export function gridLabel(x: number): string {
  return x.toExponential(0).replace('e-', 'e−');
}

/**
 * Histogram rows of both optimizers' unit norms over one shared range, so
 * that the two sets of bars compare.
 */
export function histogramRows(
  norms: Partial<Record<PlaygroundOptimizer, readonly number[]>>,
  bins = 16,
): { optimizer: string; lo: number; hi: number; count: number }[] {
  const all = Object.values(norms)
    .flatMap((n) => [...n!])
    .filter(Number.isFinite);
  if (all.length === 0) return [];
  const top = Math.max(...all) || 1;
  const width = top / bins;
  const rows: { optimizer: string; lo: number; hi: number; count: number }[] = [];
  for (const [optimizer, values] of Object.entries(norms) as [PlaygroundOptimizer, number[]][]) {
    const counts = new Array<number>(bins).fill(0);
    for (const v of values) if (Number.isFinite(v)) counts[Math.min(bins - 1, Math.floor(v / width))]! += 1;
    counts.forEach((count, i) => rows.push({ optimizer: LABELS[optimizer], lo: i * width, hi: (i + 1) * width, count }));
  }
  return rows;
}

/** Exponential moving average of a stream, with the debiasing of Adam's moments so that early values are not pulled to 0. */
export class Smoother {
  private value = 0;
  private weight = 0;
  constructor(private readonly beta = 0.9) {}
  next(x: number): number {
    if (!Number.isFinite(x)) return x;
    this.value = this.beta * this.value + (1 - this.beta) * x;
    this.weight = this.beta * this.weight + (1 - this.beta);
    return this.value / this.weight;
  }
}
