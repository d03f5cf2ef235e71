import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CellJob, CellResult } from './cell.js';
import { colorDomain, curvesSpec, heatmapSpec, renderSvg, separabilitySpec } from './charts.js';
import type { ExperimentConfig } from './config.js';
import { loadMnist } from './mnist.js';
import { ResultsWriter, checkOutputFolder, resultsText, setAsidePrevious, writeTextAtomic, PREVIOUS_FOLDER } from './output.js';
import { runPool, type PoolOutcome } from './pool.js';
import { createProgress } from './progress.js';
import { reportMarkdown, terminalSummary, type ReportCharts } from './report.js';
import { ResultsFileError, checkResults, resultsHeader, withRuns, type ResultsFile } from './results.js';
import { summarizeAll, summarizeCells } from './summary.js';

/** Every run of the grid: each seed × optimizer × learning rate × normalized weight decay. */
export function gridJobs(config: ExperimentConfig): CellJob[] {
  const jobs: CellJob[] = [];
  for (const seed of config.seeds) {
    for (const optimizer of config.optimizers) {
      for (const lr of config.lr[optimizer]!) {
        for (const weightDecayNorm of config.weightDecayNorm[optimizer]!) jobs.push({ id: jobs.length, optimizer, lr, weightDecayNorm, seed });
      }
    }
  }
  return jobs;
}

/** What {@link runExperiment} ends with. */
export interface ExperimentOutcome {
  results: ResultsFile;
  /** True when `signal` stopped the grid before every run finished. */
  interrupted: boolean;
}

/**
 * Runs the grid on worker threads into `config.out`. The folder is checked
 * first; the previous run's files move to `previous/`; results.json is
 * rewritten (atomically, marked `partial`) after every finished run, and the
 * charts and report are drawn at the end, from what finished when `signal`
 * aborts or a run fails.
 */
export async function runExperiment(
  config: ExperimentConfig,
  io: { log: (s: string) => void; progressStream: NodeJS.WriteStream; workerUrl: URL; signal?: AbortSignal },
): Promise<ExperimentOutcome> {
  const started = performance.now();
  await checkOutputFolder(config.out);
  const moved = await setAsidePrevious(config.out);
  const header = resultsHeader(config);
  const writer = new ResultsWriter(join(config.out, 'results.json'));
  const done: CellResult[] = [];
  const snapshot = () => withRuns(header, [...done], (performance.now() - started) / 1000);
  writer.update(snapshot());
  const data = loadMnist(config.train, config.test, config.dataSeed);
  const jobs = gridJobs(config);
  const workers = Math.min(config.workers, jobs.length);
  io.log(
    `Figure 2 on MNIST: ${config.optimizers.join(', ')}; ${jobs.length} runs (${config.seeds.length} seed(s)) of ${config.epochs} epochs on ${config.train} training digits, ${workers} worker thread(s)`,
  );
  if (moved.length > 0) io.log(`the previous run's ${moved.join(', ')} moved to ${join(config.out, PREVIOUS_FOLDER)}`);
  const progress = createProgress(jobs.length, config.epochs, io.progressStream);
  let outcome: PoolOutcome;
  let failure: unknown;
  try {
    outcome = await runPool(
      jobs,
      workers,
      io.workerUrl,
      { config: { hidden: config.hidden, epochs: config.epochs, batchSize: config.batchSize, schedule: config.schedule }, data },
      {
        onEpoch: (job, epoch) => progress.epoch(job, epoch),
        onResult: (job, result) => {
          progress.result(job, result);
          done.push(result);
          writer.update(snapshot());
        },
      },
      io.signal,
    );
  } catch (error) {
    failure = error;
    outcome = (error as { partial?: PoolOutcome }).partial ?? { results: [], stopped: false };
  } finally {
    progress.stop();
  }
  // Job order, so that the file does not depend on which worker finished first.
  const runs = outcome.results.filter((r): r is CellResult => r !== undefined);
  const results = withRuns(header, runs, (performance.now() - started) / 1000);
  writer.update(results);
  await writer.flush();
  let files = ['results.json'];
  if (runs.length > 0) files = await writeOutputs(config.out, results, { resultsWritten: true });
  io.log('');
  if (runs.length > 0) io.log(terminalSummary(results));
  io.log('');
  io.log(
    `${runs.length} of ${jobs.length} runs in ${results.seconds.toFixed(1)} s; wrote ${files.join(', ')} to ${config.out}${results.status === 'partial' ? ' (marked partial)' : ''}`,
  );
  if (failure !== undefined) throw failure;
  return { results, interrupted: outcome.stopped };
}

/**
 * Writes results.json (unless already written), one heatmap per optimizer,
 * the separability chart, the learning curves and report.md into `out`, all
 * computed from `results`. Every file is drawn before the first is written,
 * and each is written atomically. Returns the file names.
 */
export async function writeOutputs(out: string, results: ResultsFile, options: { resultsWritten?: boolean } = {}): Promise<string[]> {
  const summaries = summarizeAll(results.runs, results.optimizers);
  const cells = summarizeCells(results.runs);
  const domain = colorDomain(cells);
  const charts: ReportCharts = { heatmaps: {}, curves: 'curves.svg', separability: 'separability.svg' };
  const files = new Map<string, string>();
  if (options.resultsWritten !== true) files.set('results.json', resultsText(results));
  for (const s of summaries) {
    const file = `heatmap-${s.optimizer}.svg`;
    files.set(file, await renderSvg(heatmapSpec(s, cells, results.analysis, domain, results.schedule)));
    charts.heatmaps[s.optimizer] = file;
  }
  files.set(charts.separability, await renderSvg(separabilitySpec(results.analysis, results.optimizers, results.schedule)));
  files.set(charts.curves, await renderSvg(curvesSpec(summaries, results.runs, results.schedule)));
  files.set('report.md', reportMarkdown(results, summaries, charts));
  for (const [name, text] of files) await writeTextAtomic(join(out, name), text);
  return ['results.json', ...[...files.keys()].filter((f) => f !== 'results.json')];
}

/**
 * Reads a results.json written earlier, checks all of it, recomputes its
 * analysis from its runs, and redraws its charts and report into `out`.
 * Nothing is written when the file is unreadable or not one of this
 * experiment's. Returns the terminal summary.
 */
export async function reportFromResults(file: string, out: string): Promise<string> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new ResultsFileError(`cannot read results from ${file}: ${error instanceof Error ? error.message : String(error)}`);
  }
  const given = checkResults(parsed, file);
  if (given.runs.length === 0) throw new ResultsFileError(`${file} holds no finished run: there is nothing to draw`);
  const { status: _status, completedRuns: _completed, runs, analysis: _analysis, claims: _claims, seconds, ...header } = given;
  const results = withRuns(header, runs, seconds);
  await checkOutputFolder(out);
  const files = await writeOutputs(out, results);
  return `${terminalSummary(results)}\n\nwrote ${files.join(', ')} to ${out}`;
}
