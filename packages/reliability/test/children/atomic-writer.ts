// Saves a 12 MB archive with `writeFileAtomic` from `@adamw/core/node` (the
// writer behind the trainer's and ONNX Runtime adapter's checkpoint files)
// in a loop, with the protocol of trainer-writer.ts: `begin <gen>` before each
// save, `saved <gen> <ms>` after it. The parent kills it mid-save.
import { packArrays } from '@adamw/core';
import { writeFileAtomic } from '@adamw/core/node';

const path = process.argv[2]!;
const values = new Float32Array(3 * 1024 * 1024);
for (let gen = 1; ; gen++) {
  values.fill(gen);
  const bytes = packArrays({ kind: 'crash-test', meta: { gen }, arrays: { values } });
  console.log(`begin ${gen}`);
  const t0 = performance.now();
  await writeFileAtomic(path, bytes);
  console.log(`saved ${gen} ${(performance.now() - t0).toFixed(2)}`);
}
