// Fine-tunes only the head of a PyTorch-exported transformer encoder
// classifier with stock onnxruntime-node and AdamW: the embeddings and both
// encoder layers stay frozen (no gradients computed, no optimizer state,
// values untouched), only `head.weight` and `head.bias` train.
//
//   pnpm --filter @adamw/onnxruntime example:finetune [steps]
//
// transformer-classifier.onnx is torch.onnx.export of the pretrained model
// with a fresh head, returning (loss, logits); export_transformer.py
// writes it. The rows here come from the same rule as its pretraining data:
// 3-8 tokens out of 1..23, padded with 0, labelled by the third of the
// vocabulary they fall in most often.
import { readFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as ort from 'onnxruntime-node';
import { createOrtTrainer, readInitializers } from '@adamw/onnxruntime';

/** The torch-exported transformer classifier with a fresh head. */
export const MODEL = fileURLToPath(new URL('./transformer-classifier.onnx', import.meta.url));
const VOCAB = 24;
const LENGTH = 8;

/** A seeded generator of integers in [0, n) (mulberry32). */
function integers(seed: number): (n: number) => number {
  let a = seed >>> 0;
  return (n) => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * n);
  };
}

export interface Rows {
  x: ort.Tensor;
  pad: ort.Tensor;
  y: ort.Tensor;
  labels: number[];
}

/** `n` padded token rows and their classes. */
export function tokenRows(n: number, seed: number): Rows {
  const next = integers(seed);
  const x = new BigInt64Array(n * LENGTH);
  const pad = new Uint8Array(n * LENGTH).fill(1);
  const labels: number[] = [];
  const third = (VOCAB - 1) / 3;
  for (let r = 0; r < n; r++) {
    const length = 3 + next(LENGTH - 2);
    const counts = [0, 0, 0];
    for (let i = 0; i < length; i++) {
      const token = 1 + next(VOCAB - 1);
      x[r * LENGTH + i] = BigInt(token);
      pad[r * LENGTH + i] = 0;
      counts[Math.floor((token - 1) / third)]! += 1;
    }
    labels.push(counts.indexOf(Math.max(...counts)));
  }
  return {
    x: new ort.Tensor('int64', x, [n, LENGTH]),
    pad: new ort.Tensor('bool', pad, [n, LENGTH]),
    y: new ort.Tensor('int64', BigInt64Array.from(labels, BigInt), [n]),
    labels,
  };
}

/** The share of `rows` whose largest logit is their class, with the exported model in a plain session. */
export async function accuracy(model: Uint8Array, rows: Rows): Promise<number> {
  const session = await ort.InferenceSession.create(model);
  const out = await session.run({ x: rows.x, pad: rows.pad, y: rows.y });
  await session.release();
  const logits = out['logits']!.data as Float32Array;
  const hits = rows.labels.filter((label, i) => {
    const row = Array.from(logits.subarray(3 * i, 3 * i + 3));
    return row.indexOf(Math.max(...row)) === label;
  });
  return hits.length / rows.labels.length;
}

export interface FinetuneResult {
  /** The names the trainer trains. */
  trained: string[];
  /** Held-out loss and accuracy before and after. */
  before: { loss: number; accuracy: number };
  after: { loss: number; accuracy: number };
  /** The forward model before training and the exported, fine-tuned one. */
  original: Uint8Array;
  exported: Uint8Array;
}

export async function main(steps = 60, log: (line: string) => void = console.log): Promise<FinetuneResult> {
  const original = new Uint8Array(readFileSync(MODEL));
  const trainer = await createOrtTrainer({
    model: original,
    loss: 'loss', // the model also outputs its logits
    trainable: /^head\./, // everything else is frozen
    optimizer: { lr: 1e-2, weightDecay: 1e-2 },
    ort,
    sessionOptions: { intraOpNumThreads: 1 },
  });
  const trained = Object.keys(trainer.parameters);
  const frozen = Object.keys(readInitializers(original)).filter((n) => !trained.includes(n));
  log(`training ${trained.join(', ')}; ${frozen.length} initializers frozen`);

  const test = tokenRows(512, 1);
  const feeds = (r: Rows) => ({ x: r.x, pad: r.pad, y: r.y });
  const before = { loss: await trainer.evaluate(feeds(test)), accuracy: await accuracy(trainer.exportModel(), test) };
  log(`held-out: loss ${before.loss.toFixed(4)}, accuracy ${(100 * before.accuracy).toFixed(1)}%`);
  for (let s = 0; s < steps; s++) {
    const loss = await trainer.step(feeds(tokenRows(32, 100 + s)));
    if ((s + 1) % 20 === 0) log(`step ${s + 1}: training loss ${loss.toFixed(4)}`);
  }
  const exported = trainer.exportModel();
  const after = { loss: await trainer.evaluate(feeds(test)), accuracy: await accuracy(exported, test) };
  log(`held-out: loss ${after.loss.toFixed(4)}, accuracy ${(100 * after.accuracy).toFixed(1)}%`);
  await trainer.release();
  return { trained, before, after, original, exported };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [steps] = process.argv.slice(2);
  await main(steps ? Number(steps) : undefined);
}
