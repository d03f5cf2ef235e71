/**
 * Writes the table of supported operators, generated from the operator
 * registry, into the package README and the docs guide (between the
 * `operators:begin` / `operators:end` markers). `test/operators.test.ts`
 * fails when a committed table differs from the generated one.
 *
 *     pnpm --filter @adamw/onnxruntime generate:operators
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { withOperatorTable } from '../src/autodiff/table.js';

const TABLE_FILES = ['../README.md', '../../../docs/guide/onnxruntime.md'].map((p) => fileURLToPath(new URL(p, import.meta.url)));

for (const file of TABLE_FILES) {
  const before = readFileSync(file, 'utf8');
  const after = withOperatorTable(before, file);
  if (after !== before) writeFileSync(file, after);
  console.log(`${file}: ${after === before ? 'up to date' : 'table written'}`);
}
