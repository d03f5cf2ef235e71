#!/usr/bin/env node
// The experiment's command line: `pnpm start [options]` at the repository root.
import { CliExit, parseCli } from './options.js';

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
  const { reportFromResults, runExperiment } = await import('./run.js');
  if (config.fromResults !== undefined) {
    process.stdout.write(`${await reportFromResults(config.fromResults, config.out)}\n`);
    return 0;
  }
  await runExperiment(config, {
    log: (s) => process.stdout.write(`${s}\n`),
    progressStream: process.stdout,
    workerUrl: new URL('./worker.js', import.meta.url),
  });
  return 0;
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
