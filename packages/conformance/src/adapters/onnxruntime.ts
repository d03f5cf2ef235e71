import { createOrtTrainer } from '@adamw/onnxruntime';
import * as ort from 'onnxruntime-node';
import type { TrajectoryAdapter } from '../adapters';
import { arrayType, tensorData, type TrajectoryFixture } from '../fixtures';

/** The rows of a row-major [rows, ...] array, gathered into a new typed array. */
function gatherRows<T extends Float32Array | Float64Array | BigInt64Array>(out: T, source: ArrayLike<number>, width: number, rows: readonly number[], convert: (v: number) => T[number]): T {
  rows.forEach((r, i) => {
    for (let k = 0; k < width; k++) out[i * width + k] = convert(source[r * width + k]!);
  });
  return out;
}

/**
 * Trains the fixture's torch-exported ONNX graph (forward + loss) with
 * `@adamw/onnxruntime`: the backward pass is built from standard ONNX
 * operators and run by onnxruntime-node on the CPU, and `@adamw/core`'s
 * AdamW step updates the parameters between runs.
 */
export const adapter: TrajectoryAdapter = {
  name: 'onnxruntime',
  async run(f: TrajectoryFixture) {
    const model = new Uint8Array(Buffer.from(f.onnx, 'base64'));
    const { noDecay, scheduleMultipliers, ...optimizer } = f.optimizer;
    const trainer = await createOrtTrainer({
      model,
      optimizer,
      exclude: noDecay,
      schedule: (t) => scheduleMultipliers[t]!,
      ort,
      sessionOptions: { intraOpNumThreads: 1, interOpNumThreads: 1 },
    });
    try {
      // The graph's initializers are the fixture's initial parameters.
      for (const [name, t] of Object.entries(f.params)) {
        const mine = trainer.parameters[name];
        const theirs = tensorData(t, f.dtype);
        if (mine === undefined || mine.length !== theirs.length || mine.some((v, i) => v !== theirs[i])) {
          throw new Error(`the ONNX graph's initializer '${name}' differs from the fixture's initial parameter`);
        }
      }
      const Float = arrayType(f.dtype);
      const { x, y } = f.data;
      const xWidth = x.shape.slice(1).reduce((a, b) => a * b, 1);
      const yWidth = y.shape.slice(1).reduce((a, b) => a * b, 1);
      const labels = f.model.loss === 'softmax-cross-entropy';
      const losses: number[] = [];
      for (const rows of f.batches) {
        const n = rows.length;
        const xs = gatherRows(new Float(n * xWidth), x.data, xWidth, rows, Number);
        const feeds: Record<string, ort.Tensor> = { x: new ort.Tensor(f.dtype, xs, [n, ...x.shape.slice(1)]) };
        if (labels) {
          feeds.y = new ort.Tensor('int64', gatherRows(new BigInt64Array(n), y.data, 1, rows, (v) => BigInt(v)), [n]);
        } else {
          feeds.y = new ort.Tensor(f.dtype, gatherRows(new Float(n * yWidth), y.data, yWidth, rows, Number), [n, ...y.shape.slice(1)]);
        }
        losses.push(await trainer.step(feeds));
      }
      const params: Record<string, Float32Array | Float64Array> = {};
      for (const [name, p] of Object.entries(trainer.parameters)) params[name] = p.slice();
      return { losses, params };
    } finally {
      await trainer.release();
    }
  },
};
