import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CellJob } from './cell.js';
import { curvesSpec, heatmapSpec, renderSvg } from './charts.js';
import type { ExperimentConfig } from './config.js';
import { loadMnist } from './mnist.js';
import { runPool } from './pool.js';
import { createProgress } from './progress.js';
import { reportMarkdown, terminalSummary } from './report.js';
import { buildResults, summaryOf, type ResultsFile } from './results.js';
import { summarizeCells, summarizeOptimizer } from './summary.js';

/** Every run of the grid: each seed × learning rate × weight decay × optimizer. */
export function gridJobs(config: ExperimentConfig): CellJob[] {
  const jobs: CellJob[] = [];
  for (const seed of config.seeds) {
    for (const lr of config.lr) {
      for (const weightDecay of config.weightDecay) {
        for (const optimizer of config.optimizers) jobs.push({ id: jobs.length, optimizer, lr, weightDecay, seed });
      }
    }
  }
  return jobs;
}

/** Runs the grid on worker threads and writes results.json, the SVGs and report.md into `config.out`. */
export async function runExperiment(
  config: ExperimentConfig,
  io: { log: (s: string) => void; progressStream: NodeJS.WriteStream; workerUrl: URL },
): Promise<ResultsFile> {
  const started = performance.now();
  const data = loadMnist(config.train, config.test, config.dataSeed);
  const jobs = gridJobs(config);
  io.log(
    `Adam with L2 vs AdamW on MNIST: ${config.optimizers.length} optimizers × ${config.lr.length} learning rates × ${config.weightDecay.length} weight decays × ${config.seeds.length} seed(s) = ${jobs.length} runs ` +
      `of ${config.epochs} epochs on ${config.train} training digits, ${Math.min(config.workers, jobs.length)} worker thread(s)`,
  );
  const progress = createProgress(jobs.length, config.epochs, io.progressStream);
  let runs;
  try {
    runs = await runPool(jobs, config.workers, io.workerUrl, { config: { hidden: config.hidden, epochs: config.epochs, batchSize: config.batchSize }, data }, {
      onEpoch: (job, epoch) => progress.epoch(job, epoch),
      onResult: (job, result) => progress.result(job, result),
    });
  } finally {
    progress.stop();
  }
  const cells = summarizeCells(runs);
  const summaries = config.optimizers.map((o) => summarizeOptimizer(cells, o));
  const results = buildResults(config, runs, summaries, (performance.now() - started) / 1000);
  const files = await writeOutputs(config.out, results);
  io.log('');
  io.log(terminalSummary(summaries, config.weightDecay, config.test));
  io.log('');
  io.log(`${jobs.length} runs in ${results.seconds.toFixed(1)} s; wrote ${files.join(', ')} to ${config.out}`);
  return results;
}

/**
 * Writes results.json, one heatmap per optimizer, the learning curves and
 * report.md into `out`, all computed from `results`. Returns the file names.
 */
export async function writeOutputs(out: string, results: ResultsFile): Promise<string[]> {
  const cells = summarizeCells(results.runs);
  const summaries = results.optimizers.map((o) => summarizeOptimizer(cells, o));
  // The summary block is always recomputed from the runs, so a redrawn results.json agrees with its report.
  results = { ...results, summary: summaryOf(summaries) };
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'results.json'), `${JSON.stringify(results, null, 1)}\n`);
  const errors = cells.map((c) => c.testError).filter(Number.isFinite);
  const lowest = Math.min(...errors);
  // One colour scale for every heatmap, so that colours compare; errors far above the best share the darkest colour.
  const colorDomain: [number, number] = [lowest, Math.min(Math.max(...errors), Math.max(3 * lowest, lowest + 0.05))];
  const heatmaps: Record<string, string> = {};
  for (const s of summaries) {
    const file = `heatmap-${s.optimizer}.svg`;
    writeFileSync(join(out, file), await renderSvg(heatmapSpec(s, cells, colorDomain)));
    heatmaps[s.optimizer] = file;
  }
  writeFileSync(join(out, 'curves.svg'), await renderSvg(curvesSpec(summaries, results.runs)));
  writeFileSync(join(out, 'report.md'), reportMarkdown(results, summaries, { heatmaps, curves: 'curves.svg' }));
  return ['results.json', ...Object.values(heatmaps), 'curves.svg', 'report.md'];
}

/** Reads a results.json written earlier, redraws its charts and report into `out` and returns the terminal summary. */
export async function reportFromResults(file: string, out: string): Promise<string> {
  let results: ResultsFile;
  try {
    results = JSON.parse(readFileSync(file, 'utf8')) as ResultsFile;
  } catch (error) {
    throw new Error(`cannot read results from ${file}: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (!Array.isArray(results?.runs) || !Array.isArray(results.optimizers) || results.runs.length === 0) {
    throw new Error(`${file} is not a results.json of this experiment (no runs)`);
  }
  const files = await writeOutputs(out, results);
  const cells = summarizeCells(results.runs);
  const summaries = results.optimizers.map((o) => summarizeOptimizer(cells, o));
  return `${terminalSummary(summaries, results.grid.weightDecay, results.dataset.test)}\n\nwrote ${files.join(', ')} to ${out}`;
}
