// Timing with tinybench, robust to a machine that other work shares: the
// tasks of a group run in several short rounds, one task after the other, so
// that a burst of background load lands on all of them alike, and the figures
// are medians over every sample of every round.
import { Bench } from 'tinybench';

/** Summary of one task's samples. */
export interface Timing {
  medianMs: number;
  minMs: number;
  meanMs: number;
  samples: number;
}

export interface GroupOptions {
  /** Rounds over the whole group. */
  rounds: number;
  /** Time per task and round, in ms (tinybench's `time`). */
  time: number;
  /** Fewest samples per task and round (tinybench's `iterations`). */
  iterations: number;
  /** Calls per sample, for tasks too short to time one by one; the figures are per call. Default 1. */
  batch?: number;
  /** Warm-up calls per task before the first round. Default 2. */
  warmup?: number;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Times each task of the group (synchronous functions) and returns the summary per task name. */
export async function timeGroup(tasks: Record<string, () => void>, options: GroupOptions): Promise<Record<string, Timing>> {
  const samples: Record<string, number[]> = {};
  for (const name of Object.keys(tasks)) samples[name] = [];
  for (let round = 0; round < options.rounds; round++) {
    const bench = new Bench({
      time: options.time,
      iterations: options.iterations,
      warmup: round === 0 ? (options.warmup ?? 2) > 0 : true,
      warmupIterations: round === 0 ? (options.warmup ?? 2) : 1,
      warmupTime: 0,
      throws: true,
    });
    const batch = options.batch ?? 1;
    for (const [name, fn] of Object.entries(tasks)) {
      bench.add(
        name,
        batch === 1
          ? fn
          : () => {
              for (let i = 0; i < batch; i++) fn();
            },
      );
    }
    await bench.run();
    for (const task of bench.tasks) {
      const result = task.result;
      if (result === undefined || result.error !== undefined) throw result?.error ?? new Error(`task ${task.name} did not run`);
      const batch = options.batch ?? 1;
      for (const x of result.latency.samples) samples[task.name]!.push(x / batch);
    }
  }
  const out: Record<string, Timing> = {};
  for (const [name, xs] of Object.entries(samples)) {
    out[name] = {
      medianMs: median(xs),
      minMs: xs.reduce((a, b) => Math.min(a, b), Infinity),
      meanMs: xs.reduce((a, b) => a + b, 0) / xs.length,
      samples: xs.length,
    };
  }
  return out;
}
