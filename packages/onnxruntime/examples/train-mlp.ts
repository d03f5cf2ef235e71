// Trains a PyTorch-exported digits classifier (64-32-10, ReLU, cross
// entropy) with stock onnxruntime-node and AdamW, then saves the trained
// model and checks its accuracy in a plain InferenceSession.
//
//   pnpm --filter @adamw/onnxruntime example [epochs] [out.onnx]
//
// digits-mlp.onnx is torch.onnx.export of a module returning (loss, logits)
// in training mode; fixtures/generate.py writes it and digits.json.gz.
import { readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { cosineAnnealing, DEFAULT_NO_DECAY } from '@adamw/core';
import * as ort from 'onnxruntime-node';
import { createOrtTrainer } from '@adamw/onnxruntime';

const here = (file: string): string => fileURLToPath(new URL(file, import.meta.url));

interface Digits {
  pixels: number[];
  labels: number[];
}

/** Rows `rows` of the data set as the model's feeds: pixels scaled to [0, 1], int64 labels. */
function feeds(d: Digits, rows: readonly number[]): { x: ort.Tensor; y: ort.Tensor } {
  const x = new Float32Array(rows.length * 64);
  rows.forEach((r, i) => {
    for (let k = 0; k < 64; k++) x[i * 64 + k] = d.pixels[r * 64 + k]! / 16;
  });
  const y = BigInt64Array.from(rows, (r) => BigInt(d.labels[r]!));
  return { x: new ort.Tensor('float32', x, [rows.length, 64]), y: new ort.Tensor('int64', y, [rows.length]) };
}

/** A seeded shuffle (so runs are repeatable). */
function shuffled(n: number, seed: number): number[] {
  const order = Array.from({ length: n }, (_, i) => i);
  let s = seed;
  for (let i = n - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) % 2147483648;
    const j = s % (i + 1);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return order;
}

export interface ExampleResult {
  /** Mean training loss of each epoch. */
  epochLosses: number[];
  /** Loss on the held-out rows before and after training. */
  testLoss: { before: number; after: number };
  /** Accuracy of the exported model on the held-out rows. */
  accuracy: number;
  /** Where the trained model was written. */
  out: string;
}

export async function main(epochs = 8, out = join(tmpdir(), 'digits-mlp-trained.onnx'), log: (line: string) => void = console.log): Promise<ExampleResult> {
  const data = JSON.parse(gunzipSync(readFileSync(here('./digits.json.gz'))).toString('utf8')) as Digits;
  const order = shuffled(data.labels.length, 42);
  const test = order.slice(0, 297);
  const train = order.slice(297);
  const batch = 64;
  const stepsPerEpoch = Math.ceil(train.length / batch);

  const trainer = await createOrtTrainer({
    model: readFileSync(here('./digits-mlp.onnx')),
    loss: 'loss', // the model also outputs its logits
    optimizer: { lr: 1e-2, weightDecay: 1e-2 },
    exclude: DEFAULT_NO_DECAY, // no decay on biases
    schedule: cosineAnnealing(epochs * stepsPerEpoch, 0.05),
    ort,
  });
  const testFeeds = feeds(data, test);
  const before = await trainer.evaluate(testFeeds);
  log(
    `parameters: ${Object.entries(trainer.parameters)
      .map(([n, p]) => `${n} (${p.length})`)
      .join(', ')}`,
  );
  log(`held-out loss before training: ${before.toFixed(4)}`);

  const epochLosses: number[] = [];
  for (let epoch = 0; epoch < epochs; epoch++) {
    const rows = shuffled(train.length, epoch + 1).map((i) => train[i]!);
    let sum = 0;
    for (let s = 0; s < stepsPerEpoch; s++) sum += await trainer.step(feeds(data, rows.slice(s * batch, (s + 1) * batch)));
    epochLosses.push(sum / stepsPerEpoch);
    log(`epoch ${epoch + 1}: training loss ${epochLosses[epoch]!.toFixed(4)}, held-out loss ${(await trainer.evaluate(testFeeds)).toFixed(4)}`);
  }
  const after = await trainer.evaluate(testFeeds);

  // The exported model is the forward model with the trained weights: any ONNX Runtime can load it.
  writeFileSync(out, trainer.exportModel());
  await trainer.release();
  const session = await ort.InferenceSession.create(readFileSync(out));
  const result = await session.run(testFeeds);
  const logits = result['logits']!.data as Float32Array;
  let correct = 0;
  test.forEach((r, i) => {
    const row = Array.from(logits.subarray(i * 10, i * 10 + 10));
    if (row.indexOf(Math.max(...row)) === data.labels[r]) correct++;
  });
  await session.release();
  const accuracy = correct / test.length;
  log(`saved ${out}; held-out accuracy ${(100 * accuracy).toFixed(1)}%`);
  return { epochLosses, testLoss: { before, after }, accuracy, out };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [epochs, out] = process.argv.slice(2);
  await main(epochs ? Number(epochs) : undefined, out);
}
