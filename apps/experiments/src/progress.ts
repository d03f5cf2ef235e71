import { SingleBar } from 'cli-progress';
import type { CellJob, CellResult } from './cell.js';
import { percent, sci } from './format.js';

/** Reports the grid's progress: a bar on a terminal, one line per finished run otherwise (logs, CI). */
export interface Progress {
  epoch(job: CellJob, epoch: number): void;
  result(job: CellJob, result: CellResult): void;
  stop(): void;
}

function describeRun(job: CellJob, result: CellResult): string {
  return `${job.optimizer} α=${sci(job.lr)} λ_norm=${sci(job.weightDecayNorm)} seed ${job.seed}: test error ${percent(result.testError)} (${result.seconds.toFixed(1)} s)`;
}

export function createProgress(totalRuns: number, epochsPerRun: number, stream: NodeJS.WriteStream): Progress {
  let finished = 0;
  if (!stream.isTTY) {
    const width = String(totalRuns).length;
    return {
      epoch: () => undefined,
      result: (job, result) => {
        finished++;
        stream.write(`[${String(finished).padStart(width)}/${totalRuns}] ${describeRun(job, result)}\n`);
      },
      stop: () => undefined,
    };
  }
  const bar = new SingleBar({
    format: 'grid {bar} {percentage}% | {runs}/{totalRuns} runs | ETA {eta_formatted} | {last}',
    stream,
    hideCursor: true,
    clearOnComplete: false,
    etaBuffer: 50,
  });
  bar.start(totalRuns * epochsPerRun, 0, { runs: 0, totalRuns, last: '' });
  return {
    epoch: () => bar.increment(),
    result: (job, result) => {
      finished++;
      bar.update({ runs: finished, last: describeRun(job, result) });
    },
    stop: () => bar.stop(),
  };
}
