#!/usr/bin/env node
// The experiment's command line: `pnpm start [options]` at the repository root.
import { CliExit, parseCli } from './options.js';

/** The exit code of a run stopped by SIGINT (128 + 2), as shells report it. */
const INTERRUPTED = 130;

async function main(): Promise<number> {
  let config;
  try {
    config = parseCli(process.argv.slice(2), {
      out: (s) => process.stdout.write(s),
      err: (s) => process.stderr.write(s),
    });
  } catch (error) {
    if (error instanceof CliExit) return error.code;
    throw error;
  }
  // Loaded only now, so that a bad command line is answered without loading the charting libraries.
  const [{ reportFromResults, runExperiment }, { OutputFolderError }, { ResultsFileError }] = await Promise.all([
    import('./run.js'),
    import('./output.js'),
    import('./results.js'),
  ]);
  try {
    if (config.fromResults !== undefined) {
      process.stdout.write(`${await reportFromResults(config.fromResults, config.out)}\n`);
      return 0;
    }
    // The first Ctrl-C stops the grid and writes what finished; a second one ends the process at once.
    const stop = new AbortController();
    const onSigint = () => {
      if (stop.signal.aborted) process.exit(INTERRUPTED);
      process.stderr.write('\ninterrupted: stopping the workers and writing the finished runs (Ctrl-C again to quit at once)\n');
      stop.abort();
    };
    process.on('SIGINT', onSigint);
    try {
      const { interrupted } = await runExperiment(config, {
        log: (s) => process.stdout.write(`${s}\n`),
        progressStream: process.stdout,
        workerUrl: new URL('./worker.js', import.meta.url),
        signal: stop.signal,
      });
      return interrupted ? INTERRUPTED : 0;
    } finally {
      process.off('SIGINT', onSigint);
    }
  } catch (error) {
    if (error instanceof OutputFolderError || error instanceof ResultsFileError) {
      process.stderr.write(`error: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`adam-vs-adamw failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  },
);
