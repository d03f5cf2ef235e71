// Generated data under the repository's docs/data, bundled at build time.
// Vite's root is the site's source folder (docs/), so /data/... is docs/data.
// Nothing here is typed by hand: a missing file shows as missing (a release
// build refuses to start without the files; see ../data-files.ts).

const json = import.meta.glob<unknown>('/data/**/*.json', { eager: true, import: 'default' });
const pictures = import.meta.glob<string>('/data/**/*.svg', { eager: true, query: '?url', import: 'default' });

/** The parsed JSON of docs/data/<path>, or undefined when it has not been generated. */
export function dataFile<T = unknown>(path: string): T | undefined {
  return json[`/data/${path}`] as T | undefined;
}

/** A generated picture: its file name and its URL in the built site. */
export interface Picture {
  name: string;
  url: string;
}

/** The SVG files in docs/data/<folder> whose names match, sorted by name. */
export function picturesIn(folder: string, match: RegExp = /./): Picture[] {
  const prefix = `/data/${folder.replace(/\/$/, '')}/`;
  return Object.entries(pictures)
    .filter(([path]) => path.startsWith(prefix) && !path.slice(prefix.length).includes('/'))
    .map(([path, url]) => ({ name: path.slice(prefix.length), url }))
    .filter((p) => match.test(p.name))
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** Numbers as a table shows them: integers grouped, others to four significant digits. */
export function formatNumber(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  if (Number.isInteger(x) && Math.abs(x) < 1e15) return x.toLocaleString('en-US');
  const a = Math.abs(x);
  if (a !== 0 && (a < 1e-3 || a >= 1e6)) return x.toExponential(2);
  return Number(x.toPrecision(4)).toString();
}

/** A table derived from JSON: a title, column names and rows of cells. */
export interface JsonTable {
  title: string;
  columns: string[];
  rows: (string | number | boolean | null)[][];
}

type Scalar = string | number | boolean | null;
const isScalar = (x: unknown): x is Scalar => x === null || ['string', 'number', 'boolean'].includes(typeof x);
const isRecord = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

/** The scalar fields of a record, nested records flattened into dotted names. */
function flatten(record: Record<string, unknown>, prefix = ''): [string, Scalar][] {
  return Object.entries(record).flatMap(([k, v]): [string, Scalar][] => {
    const name = prefix === '' ? k : `${prefix}.${k}`;
    if (isScalar(v)) return [[name, v]];
    if (isRecord(v)) return flatten(v, name);
    return [];
  });
}

/**
 * Every table a JSON document holds: each array of objects becomes a table
 * whose columns are the objects' scalar fields (nested objects flattened into
 * dotted names); the scalar fields of an object become a two-column table.
 * Arrays inside are followed, and their path names the table.
 */
export function tablesFrom(value: unknown, title = ''): JsonTable[] {
  const out: JsonTable[] = [];
  if (Array.isArray(value)) {
    const records = value.filter(isRecord);
    if (records.length > 0 && records.length === value.length) {
      const flat = records.map((r) => new Map(flatten(r)));
      const columns: string[] = [];
      for (const row of flat) for (const k of row.keys()) if (!columns.includes(k)) columns.push(k);
      if (columns.length > 0) out.push({ title, columns, rows: flat.map((row) => columns.map((c) => row.get(c) ?? null)) });
      records.forEach((r, i) => {
        const label = typeof r.name === 'string' ? r.name : String(i);
        for (const [k, v] of Object.entries(r)) if (Array.isArray(v)) out.push(...tablesFrom(v, join(title, label, k)));
      });
    }
    return out;
  }
  if (isRecord(value)) {
    const scalars = Object.entries(value).filter(([, v]) => isScalar(v)) as [string, Scalar][];
    if (scalars.length > 0) out.push({ title, columns: ['field', 'value'], rows: scalars });
    for (const [k, v] of Object.entries(value)) if (!isScalar(v)) out.push(...tablesFrom(v, join(title, k)));
  }
  return out;
}

function join(...parts: string[]): string {
  return parts.filter((p) => p !== '').join(' › ');
}

/** A cell as a table shows it. */
export function formatCell(x: Scalar): string {
  if (x === null) return '—';
  if (typeof x === 'number') return formatNumber(x);
  return String(x);
}
