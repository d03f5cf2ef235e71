// The closing table of `pnpm bench`: reads every docs/data/bench/<package>.json
// that the packages' bench scripts wrote and prints one combined summary.
//
// A report's `summary` field, an array of { metric, value, unit?, goal?, met? },
// gives its headline rows. A report without one contributes the first numeric
// figure of each record in its top-level tables and objects, so a package
// shows up before it has chosen its headlines.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { renderTable, type Cell } from './table.js';

const DIR = fileURLToPath(new URL('../../../docs/data/bench/', import.meta.url));

interface SummaryEntry {
  metric: string;
  value: number;
  unit?: string;
  goal?: string;
  met?: boolean | null;
}

type Scalar = string | number | boolean | null;
const isRecord = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
const isScalar = (x: unknown): x is Scalar => x === null || ['string', 'number', 'boolean'].includes(typeof x);

function isSummaryEntry(x: unknown): x is SummaryEntry {
  return isRecord(x) && typeof x.metric === 'string' && typeof x.value === 'number';
}

const SIZE_FIELD = /^(params|parameters|elements|n|size|batch\w*|epochs|samples|threads|workers)$/i;

/** The label and headline figure of one record: its string fields, its sizes, its first other number. */
function recordRow(prefix: string, record: Record<string, unknown>): SummaryEntry | undefined {
  const entries = Object.entries(record).filter(([, v]) => isScalar(v));
  const labels = entries.filter(([, v]) => typeof v === 'string').map(([k, v]) => `${k}=${String(v)}`);
  const numbers = entries.filter(([, v]) => typeof v === 'number') as [string, number][];
  const figure = numbers.find(([k]) => !SIZE_FIELD.test(k));
  if (figure === undefined) return undefined;
  const sizes = numbers.filter(([k]) => SIZE_FIELD.test(k) && !/^samples$/i.test(k)).map(([k, v]) => `${k}=${v}`);
  const met = typeof record.met === 'boolean' ? record.met : null;
  return { metric: `${prefix}: ${[...labels, ...sizes].join(' ')} ${figure[0]}`.replace(/\s+/g, ' '), value: figure[1], met };
}

/**
 * Headline rows of a report without a `summary`: one per record of each
 * top-level table, and one per top-level object that holds numbers.
 */
function fallbackRows(report: Record<string, unknown>): SummaryEntry[] {
  const rows: SummaryEntry[] = [];
  for (const [key, value] of Object.entries(report)) {
    if (Array.isArray(value) && value.every(isRecord)) {
      for (const record of value as Record<string, unknown>[]) {
        const row = recordRow(key, record);
        if (row !== undefined) rows.push(row);
      }
    } else if (isRecord(value) && key !== 'environment' && key !== 'machine' && key !== 'setup') {
      const row = recordRow(key, value);
      if (row !== undefined) rows.push(row);
    }
  }
  return rows;
}

function main(): void {
  let files: string[];
  try {
    files = readdirSync(DIR)
      .filter((f) => f.endsWith('.json'))
      .sort();
  } catch {
    files = [];
  }
  if (files.length === 0) {
    process.stdout.write(`no benchmark reports in ${DIR}\n`);
    return;
  }
  const rows: Cell[][] = [];
  for (const file of files) {
    const name = file.replace(/\.json$/, '');
    let report: unknown;
    try {
      report = JSON.parse(readFileSync(DIR + file, 'utf8'));
    } catch (error) {
      rows.push([name, `unreadable: ${(error as Error).message}`, null, '', '', '']);
      continue;
    }
    if (!isRecord(report)) continue;
    const generated = typeof report.generated === 'string' ? report.generated.slice(0, 16).replace('T', ' ') : '';
    const summary = Array.isArray(report.summary) && report.summary.every(isSummaryEntry) ? (report.summary as SummaryEntry[]) : fallbackRows(report);
    for (const s of summary) {
      const met = s.met === true ? 'yes' : s.met === false ? 'NO' : '';
      rows.push([name, s.metric, s.value, s.unit ?? '', s.goal ?? '', met]);
    }
    rows.push([name, `(report generated ${generated || 'at an unknown time'})`, null, '', '', '']);
  }
  process.stdout.write(`\n${renderTable('Benchmark summary (docs/data/bench)', ['package', 'metric', 'value', 'unit', 'goal', 'met'], rows)}`);
}

main();
