// The guide's "Fine-tune in this page" button runs this with onnxruntime-web
// in your browser (the tests run it in Chromium). It trains
// classifier.onnx to tell three sectors of the plane apart, then fine-tunes
// only the output layer of the result to sectors turned by 60 degrees, the
// hidden layers frozen, and checks the fine-tuned model in a plain session.
import { createOrtTrainer, readInitializers, type OrtModule } from '@adamw/onnxruntime';

export interface FineTuneOptions {
  /** `import * as ort from 'onnxruntime-web'` (or onnxruntime-node). */
  ort: OrtModule;
  /** classifier.onnx: forward(x, y) returns (loss, logits). */
  model: Uint8Array;
  print?: (line: string) => void;
}

/** `rows` points of the unit square and their sector (three of 120°, starting at `turn` radians). */
function sectors(ort: OrtModule, rows: number, turn: number) {
  const x = Float32Array.from({ length: 2 * rows }, (_, i) => Math.sin(i * 7.31 + 0.5));
  const y = BigInt64Array.from({ length: rows }, (_, r) => {
    const angle = Math.atan2(x[2 * r + 1]!, x[2 * r]!) + Math.PI - turn;
    return BigInt(Math.floor(((angle + 2 * Math.PI) % (2 * Math.PI)) / ((2 * Math.PI) / 3)));
  });
  return { feeds: { x: new ort.Tensor('float32', x, [rows, 2]), y: new ort.Tensor('int64', y, [rows]) }, labels: y };
}

/** The share of points whose largest logit is their label, with the model in a plain session. */
async function accuracy(ort: OrtModule, model: Uint8Array, data: ReturnType<typeof sectors>): Promise<number> {
  const session = await ort.InferenceSession.create(model);
  const logits = (await session.run(data.feeds)).logits!.data as Float32Array;
  await session.release();
  let correct = 0;
  data.labels.forEach((label, r) => {
    const row = Array.from(logits.subarray(3 * r, 3 * r + 3));
    if (BigInt(row.indexOf(Math.max(...row))) === label) correct++;
  });
  return correct / data.labels.length;
}

/** Trains, fine-tunes and checks; reports through `print`; returns the fine-tuned model's bytes. */
export async function fineTune({ ort, model, print = console.log }: FineTuneOptions): Promise<Uint8Array> {
  const first = sectors(ort, 256, 0);
  const base = await createOrtTrainer({ model, ort, loss: 'loss', optimizer: { lr: 0.02, weightDecay: 0.01 } });
  for (let i = 0; i < 200; i++) await base.step(first.feeds);
  const trained = base.exportModel();
  await base.release();
  print(`trained on the first task: accuracy ${(await accuracy(ort, trained, first)).toFixed(3)}`);

  // Only the output layer learns the new task; the hidden layers keep what they learnt.
  const second = sectors(ort, 256, Math.PI / 3);
  const head = await createOrtTrainer({ model: trained, ort, loss: 'loss', trainable: /^out\./, optimizer: { lr: 0.05, weightDecay: 0.01 } });
  const before = await head.evaluate(second.feeds);
  for (let i = 0; i < 200; i++) await head.step(second.feeds);
  const after = await head.evaluate(second.feeds);
  const tuned = head.exportModel();
  print(`fine-tuned ${Object.keys(head.parameters).join(', ')}: loss ${before.toFixed(3)} -> ${after.toFixed(3)} after ${head.stepCount} steps`);
  await head.release();

  const hidden = ['hidden1.weight', 'hidden1.bias', 'hidden2.weight', 'hidden2.bias'];
  const was = readInitializers(trained, hidden);
  const now = readInitializers(tuned, hidden);
  print(`hidden layers unchanged: ${hidden.every((n) => was[n]!.every((v, i) => Object.is(v, now[n]![i])))}`);
  print(`fine-tuned model on the new task: accuracy ${(await accuracy(ort, tuned, second)).toFixed(3)}`);
  return tuned;
}
