import { OPTIMIZER_LABELS } from './charts.js';
import { DECAY_RULES, type OptimizerName } from './config.js';
import { markdownTable, percent, sci, table } from './format.js';
import { BREAKDOWN_FACTOR, GOOD_FACTOR, type CellSummary, type OptimizerSummary } from './summary.js';
import type { ResultsFile } from './results.js';

function range(values: number[]): string {
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  return lo === hi ? sci(lo) : `${sci(lo)} to ${sci(hi)}`;
}

/** A list of grid values, as a range when they are neighbours in the grid. */
function band(values: number[], grid: number[]): string {
  if (values.length === 0) return 'none';
  const idx = values.map((v) => grid.indexOf(v)).sort((a, b) => a - b);
  const contiguous = idx.every((v, i) => i === 0 || v === idx[i - 1]! + 1);
  if (values.length === 1) return sci(values[0]!);
  return contiguous ? `${sci(values[0]!)} to ${sci(values[values.length - 1]!)}` : values.map(sci).join(', ');
}

/** The best cells side by side, as rows of strings. */
function bestRows(summaries: readonly OptimizerSummary[], grid: number[]): { header: string[]; rows: string[][] } {
  return {
    header: ['optimizer', 'best test error', 'α', 'λ', `cells ≤ ${GOOD_FACTOR}× best`, 'their α', 'their λ', 'λ good at every good α'],
    rows: summaries.map((s) => [
      OPTIMIZER_LABELS[s.optimizer],
      s.best.seeds > 1 ? `${percent(s.best.testError)} ± ${percent(s.best.testErrorStd)}` : percent(s.best.testError),
      sci(s.best.lr),
      sci(s.best.weightDecay),
      `${s.good.length} of ${s.cellCount}`,
      range(s.good.map((c) => c.lr)),
      range(s.good.map((c) => c.weightDecay)),
      s.goodLrs.length < 2 ? 'n/a (one α)' : band(s.sharedDecays, grid),
    ]),
  };
}

/** For each learning rate, each optimizer's best λ and the band of λ within 1.1× of that column's best. */
function perLrRows(summaries: readonly OptimizerSummary[], grid: number[]): { header: string[]; rows: string[][] } {
  const lrs = summaries[0]!.bestDecayPerLr.map((c) => c.lr);
  return {
    header: ['α', ...summaries.flatMap((s) => [`${OPTIMIZER_LABELS[s.optimizer]}: best λ (error)`, `λ within ${GOOD_FACTOR}×`])],
    rows: lrs.map((lr, i) => [
      sci(lr),
      ...summaries.flatMap((s) => [cellText(s.bestDecayPerLr[i]!), band(s.decayBandPerLr[i]!.weightDecays, grid)]),
    ]),
  };
}

function cellText(c: CellSummary): string {
  return `${sci(c.weightDecay)} (${percent(c.testError)})`;
}

/** Sentences that state what the numbers show. Every number comes from the summaries. */
export function findings(summaries: readonly OptimizerSummary[], grid: number[], testRows?: number): string[] {
  const out: string[] = [];
  const byName = new Map(summaries.map((s) => [s.optimizer, s]));
  const pairs: [OptimizerName, OptimizerName][] = [
    ['adam-l2', 'adamw'],
    ['sgd-l2', 'sgdw'],
  ];
  for (const [coupled, decoupled] of pairs) {
    const c = byName.get(coupled);
    const d = byName.get(decoupled);
    if (c === undefined || d === undefined) continue;
    const diff = (c.best.testError - d.best.testError) * 100;
    const lower = diff > 0 ? OPTIMIZER_LABELS[decoupled] : OPTIMIZER_LABELS[coupled];
    out.push(
      diff === 0
        ? `${OPTIMIZER_LABELS[coupled]} and ${OPTIMIZER_LABELS[decoupled]} reach the same best test error, ${percent(d.best.testError)}.`
        : `Best test error: ${OPTIMIZER_LABELS[decoupled]} ${percent(d.best.testError)} (α ${sci(d.best.lr)}, λ ${sci(d.best.weightDecay)}) against ${OPTIMIZER_LABELS[coupled]} ${percent(c.best.testError)} (α ${sci(c.best.lr)}, λ ${sci(c.best.weightDecay)}); ${lower} is lower by ${Math.abs(diff).toFixed(2)} points.`,
    );
    if (testRows !== undefined) {
      // Binomial standard error of an error rate measured on testRows digits (per run, before averaging seeds).
      const p = (c.best.testError + d.best.testError) / 2;
      const se = Math.sqrt((p * (1 - p)) / testRows) * 100;
      out.push(`For scale: a test error near ${percent(p)} measured on ${testRows.toLocaleString('en-US')} digits has a sampling standard error of about ${se.toFixed(2)} points per run.`);
    }
  }
  for (const s of summaries) {
    const name = OPTIMIZER_LABELS[s.optimizer];
    out.push(
      `${name}: ${s.good.length} of its ${s.cellCount} cells are within ${GOOD_FACTOR}× of its best error, spanning α ${range(s.good.map((c) => c.lr))} and λ ${range(s.good.map((c) => c.weightDecay))}.`,
    );
    const bands = s.decayBandPerLr.filter((b) => s.goodLrs.includes(b.lr));
    if (bands.length < 2) {
      out.push(`${name}: only α ${sci(s.best.lr)} reaches that region, so this grid cannot tell whether its good λ moves with α.`);
    } else if (s.sharedDecays.length > 0) {
      out.push(
        `${name}: at each learning rate that reaches the good region (α ${bands.map((b) => sci(b.lr)).join(', ')}), ${s.sharedDecays.length === 1 ? `λ ${sci(s.sharedDecays[0]!)} stays` : `λ ${band(s.sharedDecays, grid)} all stay`} within ${GOOD_FACTOR}× of that learning rate's best error, so λ can be kept while α is tuned.`,
      );
    } else {
      out.push(
        `${name}: no single λ stays within ${GOOD_FACTOR}× of the best error at every learning rate that reaches the good region; the band moves (${bands.map((b) => `α ${sci(b.lr)}: λ ${band(b.weightDecays, grid)}`).join('; ')}), so λ has to be retuned when α changes.`,
      );
    }
    out.push(
      s.breakdownDecay === undefined
        ? `${name}: no λ of the grid makes every learning rate more than ${BREAKDOWN_FACTOR}× worse than the best.`
        : `${name}: from λ ${sci(s.breakdownDecay)} on, every learning rate's error is more than ${BREAKDOWN_FACTOR}× the best (${percent(s.best.testError)}).`,
    );
    const base = s.smallestDecayAtBestLr;
    if (base !== s.best) {
      out.push(`${name} at α ${sci(s.best.lr)}: raising λ from ${sci(base.weightDecay)} to ${sci(s.best.weightDecay)} changes the test error from ${percent(base.testError)} to ${percent(s.best.testError)}.`);
    }
  }
  return out;
}

/** The report as Markdown: setup, the tables, the findings, the charts. */
export function reportMarkdown(results: ResultsFile, summaries: readonly OptimizerSummary[], charts: { heatmaps: Record<string, string>; curves: string }): string {
  const grid = results.grid.weightDecay;
  const best = bestRows(summaries, grid);
  const perLr = perLrRows(summaries, grid);
  const m = results.model;
  const lines = [
    '# Adam with L2 regularization vs AdamW on MNIST',
    '',
    `Test error of an MLP ${m.layers.join('-')} (${m.activation}) after ${results.epochs} epochs, for every learning rate α and weight decay λ of the grid. ` +
      `Data: ${results.dataset.train.toLocaleString('en-US')} training and ${results.dataset.test.toLocaleString('en-US')} test digits of ${results.dataset.name}. ` +
      `Batch ${m.batchSize}, ${m.schedule}; biases are not decayed. ${results.seeds.length > 1 ? `Each cell is the mean of ${results.seeds.length} seeds (± the standard deviation).` : `One seed per cell (${results.seeds[0]}).`}`,
    '',
    'λ is the same number for every optimizer, applied as:',
    '',
    ...results.optimizers.map((o) => `- ${DECAY_RULES[o]}`),
    '',
    '## Best cells',
    '',
    markdownTable(best.header, best.rows),
    '',
    '## Weight decay at each learning rate',
    '',
    markdownTable(perLr.header, perLr.rows),
    '',
    '## What the grid shows',
    '',
    ...findings(summaries, grid, results.dataset.test).map((f) => `- ${f}`),
    '',
    '## Charts',
    '',
    ...summaries.map((s) => `![${OPTIMIZER_LABELS[s.optimizer]} heatmap](${charts.heatmaps[s.optimizer]})`),
    '',
    `![learning curves](${charts.curves})`,
    '',
  ];
  return lines.join('\n');
}

/** The summary printed on the terminal: the same tables and findings as the report. */
export function terminalSummary(summaries: readonly OptimizerSummary[], grid: number[], testRows?: number): string {
  const best = bestRows(summaries, grid);
  const perLr = perLrRows(summaries, grid);
  return [table(best.header, best.rows), '', table(perLr.header, perLr.rows), '', ...findings(summaries, grid, testRows).map((f) => `* ${f}`)].join('\n');
}
