import { optimizerLabel } from './charts.js';
import { torchFormNotes } from './claims.js';
import { OPTIMIZERS, type OptimizerName } from './config.js';
import { markdownTable, percent, points, sci, signed, table } from './format.js';
import type { ResultsFile } from './results.js';
import { BREAKDOWN_FACTOR, GOOD_FACTOR, type OptimizerSummary } from './summary.js';

/** The pictures the report links, by file name. */
export interface ReportCharts {
  heatmaps: Partial<Record<OptimizerName, string>>;
  curves: string;
  separability: string;
}

function joinWords(words: readonly string[]): string {
  return words.length < 2 ? words.join('') : `${words.slice(0, -1).join(', ')} and ${words[words.length - 1]}`;
}

function interval(ci: [number, number] | null): string {
  return ci === null ? 'n/a (one seed)' : `${percent(ci[0])} to ${percent(ci[1])}`;
}

/** The claims of the paper with this run's verdicts. */
function claimRows(results: ResultsFile): { header: string[]; rows: string[][] } {
  return {
    header: ['claim of the paper', 'verdict', 'figures'],
    rows: results.claims.map((c) => [c.claim, `**${c.verdict}**`, c.evidence]),
  };
}

function separabilityRows(results: ResultsFile): { header: string[]; rows: string[][] } {
  const s = results.schedule;
  return {
    header: ['optimizer', 'slope', 'intercept', 'r²', 'good α (rows)', 'best λ_norm at those α', 'on the λ edge', 'slope by seed'],
    rows: results.optimizers.flatMap((o) => {
      const x = results.analysis.separability[o];
      if (x === undefined) return [];
      return [
        [
          optimizerLabel(o, s),
          x.slope === null ? 'n/a' : signed(x.slope),
          x.intercept === null ? 'n/a' : signed(x.intercept),
          x.r2 === null ? 'n/a' : x.r2.toFixed(2),
          `${x.rows.map((r) => sci(r.lr)).join(', ')} (${x.rows.length})`,
          x.rows.map((r) => sci(r.weightDecayNorm)).join(', '),
          `${x.onEdge} of ${x.rows.length}`,
          x.bySeed.map((b) => (b.slope === null ? 'n/a' : signed(b.slope))).join(', '),
        ],
      ];
    }),
  };
}

function bestRows(results: ResultsFile): { header: string[]; rows: string[][] } {
  return {
    header: [
      'optimizer',
      'best test error',
      '95% CI over seeds',
      'α',
      'λ_norm',
      'λ',
      'training error',
      'gap (test − train)',
      'weight norm',
      `cells ≤ ${GOOD_FACTOR}× best`,
    ],
    rows: results.optimizers.flatMap((o) => {
      const b = results.analysis.best[o];
      const r = results.analysis.region[o];
      if (b === undefined || r === undefined) return [];
      return [
        [
          optimizerLabel(o, results.schedule),
          percent(b.testError),
          interval(b.ci95),
          sci(b.lr),
          sci(b.weightDecayNorm),
          sci(b.weightDecay),
          percent(b.trainError),
          points(b.gap),
          b.weightNorm.toFixed(1),
          `${r.goodCells} of ${r.cells}`,
        ],
      ];
    }),
  };
}

/** For each learning rate of a family, each optimizer's best λ_norm (and its error). */
function perLrRows(summaries: readonly OptimizerSummary[], results: ResultsFile): { header: string[]; rows: string[][] }[] {
  const families = [...new Set(summaries.map((s) => OPTIMIZERS[s.optimizer].family))];
  return families.map((family) => {
    const mine = summaries.filter((s) => OPTIMIZERS[s.optimizer].family === family);
    const lrs = [...new Set(mine.flatMap((s) => s.lrs))].sort((a, b) => a - b);
    return {
      header: ['α', ...mine.map((s) => `${optimizerLabel(s.optimizer, results.schedule)}: best λ_norm (error)`)],
      rows: lrs.map((lr) => [
        sci(lr),
        ...mine.map((s) => {
          const c = s.bestDecayPerLr.find((x) => x.lr === lr);
          if (c === undefined) return '';
          return `${sci(c.weightDecayNorm)} (${percent(c.testError)})${s.goodLrs.includes(lr) ? ' ✓' : ''}`;
        }),
      ]),
    };
  });
}

/** Sentences about the grid's edges and breakdown, from the summaries. */
export function gridNotes(summaries: readonly OptimizerSummary[], results: ResultsFile): string[] {
  const out: string[] = [];
  for (const s of summaries) {
    const name = optimizerLabel(s.optimizer, results.schedule);
    out.push(
      s.goodOnEdge.length === 0
        ? `${name}: the good region (${s.good.length} cells within ${GOOD_FACTOR}× of ${percent(s.best.testError)}) lies inside the grid.`
        : `${name}: the good region (${s.good.length} cells within ${GOOD_FACTOR}× of ${percent(s.best.testError)}) reaches the edge of the grid at the ${joinWords(s.goodOnEdge)}, so it may continue beyond the grid there.`,
    );
    const base = s.smallestDecayAtBestLr;
    if (base !== s.best) {
      out.push(
        `${name} at α ${sci(s.best.lr)}: from the smallest λ_norm of the grid (${sci(base.weightDecayNorm)}) to the best (${sci(s.best.weightDecayNorm)}) the test error goes from ${percent(base.testError)} to ${percent(s.best.testError)}.`,
      );
    } else {
      out.push(`${name}: the best cell has the smallest λ_norm of the grid: weight decay did not lower the error at its best α.`);
    }
    if (s.breakdownDecay !== undefined) {
      out.push(`${name}: from λ_norm ${sci(s.breakdownDecay)} on, every learning rate's error is more than ${BREAKDOWN_FACTOR}× the best.`);
    }
  }
  return out;
}

/** A binomial standard error, for scale: what one run's error measured on the test digits can vary by. */
function samplingNote(results: ResultsFile): string | undefined {
  const errors = Object.values(results.analysis.best).map((b) => b!.testError);
  if (errors.length === 0) return undefined;
  const p = Math.min(...errors);
  const n = results.dataset.test;
  return `For scale: a test error near ${percent(p)} measured on ${n.toLocaleString('en-US')} digits has a binomial sampling standard error of ${(Math.sqrt((p * (1 - p)) / n) * 100).toFixed(2)} points; every run is scored on the same digits, so differences between cells are less noisy than that, and the intervals over seeds measure the noise of initialization and shuffling only.`;
}

function statusLine(results: ResultsFile): string[] {
  if (results.status === 'complete') return [];
  return [
    `> **Partial results**: ${results.completedRuns} of ${results.plannedRuns} runs. The run stopped before the grid was done; figures below are of the runs that finished.`,
    '',
  ];
}

/** The report as Markdown: setup, verdicts, tables, notes, charts. */
export function reportMarkdown(results: ResultsFile, summaries: readonly OptimizerSummary[], charts: ReportCharts): string {
  const m = results.model;
  const claims = claimRows(results);
  const sep = separabilityRows(results);
  const best = bestRows(results);
  const seeds = results.seeds.length;
  const lines = [
    '# Adam and SGD, with L2 regularization and with decoupled weight decay, on MNIST',
    '',
    ...statusLine(results),
    `The experiment of Figure 2 of Loshchilov & Hutter, "Decoupled Weight Decay Regularization" (ICLR 2019), on ${results.dataset.train.toLocaleString('en-US')} training and ${results.dataset.test.toLocaleString('en-US')} test digits of ${results.dataset.name}: ` +
      `test error of an MLP ${m.layers.join('-')} (${m.activation}) after ${results.epochs} epochs, for every learning rate α and normalized weight decay λ_norm of each optimizer's grid. ` +
      `Batch ${m.batchSize}; ${results.schedule.description}; biases are not decayed. ${seeds > 1 ? `Each cell is the mean of ${seeds} seeds.` : `One seed per cell (${results.seeds[0]}).`}`,
    '',
    `λ_norm is the paper's normalized weight decay: a run is given λ = λ_norm·√(b/(B·T)), with b = ${m.batchSize} the batch size, B = ${results.dataset.train.toLocaleString('en-US')} the training digits and T the epochs of the run${results.schedule.kind === 'restarts' ? ' (of each period)' : ''}. The optimizers:`,
    '',
    ...results.optimizers.map((o) => `- ${optimizerLabel(o, results.schedule)}: ${results.decay[o]}`),
    '',
    '## What reproduces',
    '',
    markdownTable(claims.header, claims.rows),
    '',
    ...torchFormNotes(results.analysis).flatMap((n) => [`- ${n}`]),
    ...(torchFormNotes(results.analysis).length > 0 ? [''] : []),
    '## Separability',
    '',
    `For each optimizer, a least-squares line log10(best λ_norm at α) = slope·log10(α) + intercept over the learning rates whose best error is within ${GOOD_FACTOR}× of the optimizer's best. A slope near 0 means λ and α can be tuned one after the other; near −1, λ has to follow 1/α. The best λ is a grid value, so a slope is measured in steps of the grid; "on the λ edge" counts rows whose best λ is the grid's smallest or largest, where the true best may lie outside.`,
    '',
    markdownTable(sep.header, sep.rows),
    '',
    '## Best cells',
    '',
    markdownTable(best.header, best.rows),
    '',
    ...[samplingNote(results)].filter((s): s is string => s !== undefined),
    '',
    '## Best weight decay at each learning rate',
    '',
    '✓: the learning rate reaches the good region (its row enters the fit).',
    '',
    ...perLrRows(summaries, results).flatMap((t) => [markdownTable(t.header, t.rows), '']),
    '## The grid',
    '',
    ...gridNotes(summaries, results).map((n) => `- ${n}`),
    '',
    '## Charts',
    '',
    ...summaries.map((s) => `![${optimizerLabel(s.optimizer, results.schedule)} heatmap](${charts.heatmaps[s.optimizer]})`),
    '',
    `![separability](${charts.separability})`,
    '',
    `![learning curves](${charts.curves})`,
    '',
    `${results.completedRuns} runs in ${(results.seconds / 60).toFixed(1)} minutes.`,
    '',
  ];
  return lines.join('\n');
}

/** The summary printed on the terminal: the verdicts and the tables of the report. */
export function terminalSummary(results: ResultsFile): string {
  const sep = separabilityRows(results);
  const best = bestRows(results);
  const verdicts = results.claims.map((c) => `* ${c.verdict.toUpperCase()}: ${c.claim}\n  ${c.evidence}`);
  return [
    ...statusLine(results),
    table(best.header, best.rows),
    '',
    table(sep.header, sep.rows),
    '',
    ...verdicts,
    ...torchFormNotes(results.analysis).map((n) => `* ${n}`),
  ].join('\n');
}
