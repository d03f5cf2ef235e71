import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (apps/docs/.vitepress → ../../..). */
export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** The committed data the comparisons page renders, under the repository's docs/data. */
export const DATA_DIR = join(REPO_ROOT, 'docs', 'data');

/**
 * `ADAMW_DOCS_DRAFT=1` (set by `pnpm docs:dev`) lets the site build while
 * packages or data files are still missing; a normal build requires them.
 */
export const DRAFT = process.env.ADAMW_DOCS_DRAFT === '1';

/** One generated data file (or family of files) and the command that writes it. */
export interface DataRequirement {
  /** Path under docs/data, or a folder plus a pattern for families of pictures. */
  file: string;
  /** A regular expression the file names in `file`'s folder must match at least once. */
  pattern?: RegExp;
  command: string;
}

const EXPERIMENT = 'pnpm start --full';
const BENCH = 'pnpm bench';
const CONFORMANCE = 'pnpm --filter @adamw/docs run conformance-table';

/** Everything the comparisons page needs. */
export const DATA_REQUIREMENTS: readonly DataRequirement[] = [
  { file: 'adam-vs-adamw/results.json', command: EXPERIMENT },
  { file: 'adam-vs-adamw/report.md', command: EXPERIMENT },
  { file: 'adam-vs-adamw/', pattern: /heatmap.*\.svg$/, command: EXPERIMENT },
  { file: 'adam-vs-adamw/', pattern: /curve.*\.svg$/, command: EXPERIMENT },
  { file: 'bench/core.json', command: BENCH },
  { file: 'bench/trainer.json', command: BENCH },
  { file: 'bench/tfjs.json', command: BENCH },
  { file: 'bench/tfjs-browser.json', command: BENCH },
  { file: 'bench/onnxruntime.json', command: BENCH },
  { file: 'conformance.json', command: CONFORMANCE },
];

/** A readable name for a requirement: the path, with the pattern for families. */
export function describeRequirement(r: DataRequirement): string {
  return `docs/data/${r.file}${r.pattern ? `*  matching ${r.pattern}` : ''}`;
}

/** The requirements not met, described with the command that meets them. */
export function missingDataFiles(dir: string = DATA_DIR): { file: string; command: string }[] {
  const missing: { file: string; command: string }[] = [];
  for (const r of DATA_REQUIREMENTS) {
    const path = join(dir, r.file);
    const ok = r.pattern ? existsSync(path) && readdirSync(path).some((name) => r.pattern!.test(name)) : existsSync(path);
    if (!ok) missing.push({ file: describeRequirement(r), command: r.command });
  }
  return missing;
}
