/** Numbers as the report prints them. */

/** An error in [0, 1] as a percentage with two decimals: 0.0712 → "7.12%". */
export function percent(x: number): string {
  return Number.isFinite(x) ? `${(x * 100).toFixed(2)}%` : 'n/a';
}

/** A difference of two errors in percentage points, signed: 0.0012 → "+0.12 points". */
export function points(x: number): string {
  return Number.isFinite(x) ? `${x >= 0 ? '+' : '−'}${Math.abs(x * 100).toFixed(2)} points` : 'n/a';
}

/** A signed number with two decimals and a true minus sign: −0.98, +0.05. */
export function signed(x: number): string {
  return Number.isFinite(x) ? `${x >= 0 ? '+' : '−'}${Math.abs(x).toFixed(2)}` : 'n/a';
}

/** A grid value in short scientific form: 0.001 → "1e-3", 0.03 → "3e-2", 1 → "1". */
export function sci(x: number): string {
  if (x === 0) return '0';
  const exponent = Math.floor(Math.log10(Math.abs(x)) + 1e-9);
  const mantissa = Number((x / 10 ** exponent).toPrecision(3));
  return exponent === 0 ? String(mantissa) : `${mantissa}e${exponent}`;
}

/** Plain-text table with aligned columns. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** Markdown table. */
export function markdownTable(header: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}
