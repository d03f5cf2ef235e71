import { OPERATORS } from './rules/index.js';

/** Where the generated table sits in a markdown file. */
export const TABLE_BEGIN = '<!-- operators:begin (generated from the operator registry: pnpm --filter @adamw/onnxruntime generate:operators) -->';
export const TABLE_END = '<!-- operators:end -->';

/**
 * The markdown of the supported operators, generated from the registry:
 * one row per differentiable operator with how its gradient is written,
 * then the operators that never carry a gradient and those known to shape
 * inference only.
 */
export function operatorTable(): string {
  const rules = [...OPERATORS.values()].sort((a, b) => (a.op < b.op ? -1 : a.op > b.op ? 1 : 0));
  const cell = (text: string): string => text.replaceAll('|', '\\|');
  const rows = rules.flatMap((r) => (r.kind === 'differentiable' ? [`| ${r.op} | ${cell(r.doc)} |`] : []));
  const names = (kind: string): string =>
    rules
      .filter((r) => r.kind === kind)
      .map((r) => r.op)
      .join(', ');
  return [
    '| operator | gradient |',
    '| --- | --- |',
    ...rows,
    '',
    `Never carry a gradient (allowed anywhere, computed once by the forward pass): ${names('no-gradient')}.`,
    '',
    `Shapes inferred, no gradient rule (allowed where no parameter flows; on the way from a parameter to the loss the build fails naming the node): ${names('forward-only')}.`,
  ].join('\n');
}

/** `text` with the part between the markers replaced by the table; throws when the markers are missing. */
export function withOperatorTable(text: string, file: string): string {
  const begin = text.indexOf(TABLE_BEGIN);
  const end = text.indexOf(TABLE_END);
  if (begin < 0 || end < begin) throw new Error(`${file} has no ${TABLE_BEGIN} … ${TABLE_END} section`);
  return `${text.slice(0, begin + TABLE_BEGIN.length)}\n\n${operatorTable()}\n\n${text.slice(end)}`;
}
