// Plain-text tables for the benchmark reports.

export type Cell = string | number | boolean | null | undefined;

/** A number with about three significant digits, as a benchmark table shows it. */
export function formatNumber(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  if (Number.isInteger(x) && Math.abs(x) < 1e7) return String(x);
  const a = Math.abs(x);
  if (a >= 100) return x.toFixed(0);
  if (a >= 10) return x.toFixed(1);
  if (a >= 1) return x.toFixed(2);
  if (a >= 0.01) return x.toFixed(3);
  return x.toExponential(2);
}

function cellText(c: Cell): string {
  if (c === null || c === undefined) return '—';
  if (typeof c === 'number') return formatNumber(c);
  if (typeof c === 'boolean') return c ? 'yes' : 'no';
  return c;
}

/** Renders rows under a header, numbers right-aligned. */
export function renderTable(title: string, columns: string[], rows: Cell[][]): string {
  const text = rows.map((r) => r.map(cellText));
  const widths = columns.map((c, i) => Math.max(c.length, ...text.map((r) => (r[i] ?? '').length)));
  const numeric = columns.map((_, i) => rows.every((r) => typeof r[i] === 'number' || r[i] === null || r[i] === undefined));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (numeric[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [title, line(columns), widths.map((w) => '-'.repeat(w)).join('  '), ...text.map(line), ''].join('\n');
}

/** A table from records: the columns are the given keys. */
export function renderRecords<T extends object>(title: string, records: T[], keys: (keyof T & string)[]): string {
  return renderTable(
    title,
    keys,
    records.map((r) => keys.map((k) => r[k] as Cell)),
  );
}
