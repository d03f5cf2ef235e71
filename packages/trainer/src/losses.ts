import type { FloatArray, LossKind } from './types.js';

/**
 * The targets of one batch: class labels for softmax cross-entropy, or float
 * targets laid out like the output ([rows, cols], row-major) for MSE.
 */
export type Targets = Int32Array | FloatArray;

/**
 * The loss of a batch of outputs `z` ([rows, cols], row-major) against
 * `targets`, and, when `grad` is given, its gradient dL/dz written into `grad`.
 * Sums are taken in float64; the result is a float64 number.
 *
 * Softmax cross-entropy, with s = softmax(zᵣ) per row r and label cᵣ:
 *
 * ```text
 * L = (1/rows)·Σᵣ (log Σⱼ e^(zᵣⱼ) − zᵣ,cᵣ)        dL/dzᵣⱼ = (sᵣⱼ − [j = cᵣ]) / rows
 * ```
 *
 * Mean squared error over all n = rows·cols elements:
 *
 * ```text
 * L = (1/n)·Σ (z − y)²                            dL/dz = 2(z − y) / n
 * ```
 */
export function computeLoss(kind: LossKind, z: FloatArray, targets: Targets, rows: number, cols: number, grad?: FloatArray): number {
  return lossSum(kind, z, targets, rows, cols, rows, 0, grad) / (kind === 'mse' ? rows * cols : rows);
}

/**
 * The loss of rows [0, rows) of a batch of `batchRows` rows before it is
 * divided by its normaliser (`batchRows` for softmax cross-entropy,
 * `batchRows · cols` for MSE): `total` plus the terms of these rows, added
 * one by one in order, and their gradients, already divided. Called on each
 * part of a batch in turn, continuing from the previous total, it adds the
 * same numbers in the same order as {@link computeLoss} on the whole batch.
 * @internal
 */
export function lossSum(
  kind: LossKind,
  z: FloatArray,
  targets: Targets,
  rows: number,
  cols: number,
  batchRows: number,
  total: number,
  grad?: FloatArray,
): number {
  return kind === 'mse'
    ? meanSquaredError(z, targets, rows * cols, batchRows * cols, total, grad)
    : softmaxCrossEntropy(z, targets, rows, cols, batchRows, total, grad);
}

function softmaxCrossEntropy(z: FloatArray, labels: Targets, rows: number, cols: number, batchRows: number, total: number, grad?: FloatArray): number {
  const invRows = 1 / batchRows;
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    let max = -Infinity;
    for (let j = 0; j < cols; j++) {
      const v = z[base + j]!;
      if (v > max || v !== v) max = v;
    }
    // An all-infinite row would give ∞ − ∞; shifting by 0 then yields the right ∞/NaN.
    if (!Number.isFinite(max)) max = max !== max ? max : 0;
    let sum = 0;
    for (let j = 0; j < cols; j++) sum += Math.exp(z[base + j]! - max);
    const label = labels[r]!;
    const logSum = Math.log(sum);
    total += logSum + max - z[base + label]!;
    if (grad !== undefined) {
      for (let j = 0; j < cols; j++) {
        const s = Math.exp(z[base + j]! - max - logSum);
        grad[base + j] = (j === label ? s - 1 : s) * invRows;
      }
    }
  }
  return total;
}

function meanSquaredError(z: FloatArray, y: Targets, n: number, batchN: number, total: number, grad?: FloatArray): number {
  const scale = 2 / batchN;
  for (let i = 0; i < n; i++) {
    const d = z[i]! - y[i]!;
    total += d * d;
    if (grad !== undefined) grad[i] = scale * d;
  }
  return total;
}

/** The number of rows whose largest output is at the label (the first maximum wins ties). */
export function countCorrect(z: FloatArray, labels: Targets, rows: number, cols: number): number {
  let correct = 0;
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    let best = 0;
    let bestValue = z[base]!;
    for (let j = 1; j < cols; j++) {
      const v = z[base + j]!;
      if (v > bestValue) {
        bestValue = v;
        best = j;
      }
    }
    if (best === labels[r]) correct++;
  }
  return correct;
}
