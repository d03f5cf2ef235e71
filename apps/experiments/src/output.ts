import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readdir, rename, rm, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '@adamw/core/node';
import type { ResultsFile } from './results.js';

/** Thrown when the output folder cannot be created or written. */
export class OutputFolderError extends Error {}

/** The files a run writes into its output folder, besides results.json. */
export function isDerivedFile(name: string): boolean {
  return name === 'report.md' || name === 'curves.svg' || name === 'separability.svg' || /^heatmap-[a-z0-9-]+\.svg$/.test(name);
}

/** Where a new run puts the output of the run before it. */
export const PREVIOUS_FOLDER = 'previous';

const encoder = new TextEncoder();

/** Writes text to `path` atomically: readers see the old file or the new one, never a part. */
export function writeTextAtomic(path: string, text: string): Promise<void> {
  return writeFileAtomic(path, encoder.encode(text));
}

/** results.json as it is written: one space of indentation, NaN as null. */
export function resultsText(results: ResultsFile): string {
  return `${JSON.stringify(results, null, 1)}\n`;
}

/**
 * Creates the output folder and proves it writable by writing and removing
 * a file there, before any training starts.
 */
export async function checkOutputFolder(out: string): Promise<void> {
  const probe = join(out, '.write-check');
  try {
    await mkdir(out, { recursive: true });
    await writeTextAtomic(probe, 'adam-vs-adamw\n');
    await unlink(probe);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new OutputFolderError(`cannot write to the output folder ${out}: ${reason}`);
  }
}

/**
 * Moves the previous run's results.json, report and pictures into
 * `out/previous/` (replacing an older one there), so that the folder holds
 * only this run's files and the previous results are kept. A results.json
 * without a single finished run holds nothing to keep and is replaced.
 * Returns what was moved.
 */
export async function setAsidePrevious(out: string): Promise<string[]> {
  const names = (await readdir(out)).filter((n) => n === 'results.json' || isDerivedFile(n));
  if (names.length === 0) return [];
  if (names.includes('results.json') && !holdsRuns(join(out, 'results.json'))) {
    await rm(join(out, 'results.json'));
    names.splice(names.indexOf('results.json'), 1);
  }
  const previous = join(out, PREVIOUS_FOLDER);
  await rm(previous, { recursive: true, force: true });
  await mkdir(previous);
  for (const name of names) await rename(join(out, name), join(previous, name));
  return names;
}

function holdsRuns(file: string): boolean {
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as { runs?: unknown };
    return !Array.isArray(parsed.runs) || parsed.runs.length > 0;
  } catch {
    // Not ours or not readable: keep it rather than guess.
    return existsSync(file);
  }
}

/**
 * Keeps results.json up to date while the grid runs: each call schedules
 * an atomic write of the latest results; while one write is in progress
 * further calls only replace what the next write holds.
 */
export class ResultsWriter {
  private pending: ResultsFile | undefined;
  private writing: Promise<void> | undefined;
  private error: unknown;

  constructor(private readonly path: string) {}

  update(results: ResultsFile): void {
    this.pending = results;
    this.writing ??= this.drain();
  }

  private async drain(): Promise<void> {
    while (this.pending !== undefined) {
      const results = this.pending;
      this.pending = undefined;
      try {
        await writeTextAtomic(this.path, resultsText(results));
      } catch (error) {
        this.error ??= error;
      }
    }
    this.writing = undefined;
  }

  /** Waits for every scheduled write; throws the first write error, if any. */
  async flush(): Promise<void> {
    while (this.writing !== undefined) await this.writing;
    if (this.error !== undefined) throw this.error;
  }
}
