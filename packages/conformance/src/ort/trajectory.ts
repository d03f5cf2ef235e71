import { createOrtTrainer } from '@adamw/onnxruntime';
import type { TrajectoryResult } from '../adapters';
import type { TrajectoryFixture } from '../fixtures';
import { adamwFieldsOf } from '../read/optimizer';
import { SINGLE_THREAD, type OrtRunOptions } from './options';
import { base64Bytes, copies, identical, type OrtTensor } from './tensors';

/** The rows of a row-major [rows, ...] array, gathered into `out`. */
function gatherRows<T extends Float32Array | Float64Array | BigInt64Array>(
  out: T,
  source: ArrayLike<number>,
  width: number,
  rows: readonly number[],
  convert: (v: number) => T[number],
): T {
  rows.forEach((r, i) => {
    for (let k = 0; k < width; k++) out[i * width + k] = convert(source[r * width + k]!);
  });
  return out;
}

/**
 * Trains an `adamw-trajectory/1` fixture's torch-exported ONNX graph
 * (forward + loss) with `@adamw/onnxruntime` on the given ONNX Runtime:
 * the backward pass is built from standard ONNX operators, and
 * `@adamw/core`'s AdamW step updates the parameters between runs. Nothing
 * here needs Node; the fixture comes already parsed.
 */
export async function runTrajectoryOnOrt(f: TrajectoryFixture, options: OrtRunOptions): Promise<TrajectoryResult> {
  const { ort } = options;
  const { noDecay, scheduleMultipliers } = f.optimizer;
  const trainer = await createOrtTrainer({
    model: base64Bytes(f.onnx),
    optimizer: adamwFieldsOf(f.optimizer),
    // Exact names: a string pattern matches every name containing it.
    exclude: (name: string) => noDecay.includes(name),
    schedule: (t) => scheduleMultipliers[t] ?? 1,
    ort,
    sessionOptions: options.sessionOptions ?? SINGLE_THREAD,
  });
  try {
    // The graph's initializers are the fixture's initial parameters.
    for (const [name, t] of Object.entries(f.params)) {
      const mine = trainer.parameters[name];
      if (mine === undefined || !identical(mine, f.dtype === 'float32' ? Float32Array.from(t.data) : t.data)) {
        throw new Error(`the ONNX graph's initializer '${name}' differs from the fixture's initial parameter`);
      }
    }
    const Float = f.dtype === 'float32' ? Float32Array : Float64Array;
    const { x, y } = f.data;
    const xWidth = x.shape.slice(1).reduce((a, b) => a * b, 1);
    const yWidth = y.shape.slice(1).reduce((a, b) => a * b, 1);
    const labels = f.model.loss === 'softmax-cross-entropy';
    const losses: number[] = [];
    for (const rows of f.batches) {
      const n = rows.length;
      const feeds: Record<string, OrtTensor> = {
        x: new ort.Tensor(f.dtype, gatherRows(new Float(n * xWidth), x.data, xWidth, rows, Number), [n, ...x.shape.slice(1)]),
      };
      feeds.y = labels
        ? new ort.Tensor(
            'int64',
            gatherRows(new BigInt64Array(n), y.data, 1, rows, (v) => BigInt(v)),
            [n],
          )
        : new ort.Tensor(f.dtype, gatherRows(new Float(n * yWidth), y.data, yWidth, rows, Number), [n, ...y.shape.slice(1)]);
      losses.push(await trainer.step(feeds));
    }
    return { losses, params: copies(trainer.parameters) };
  } finally {
    await trainer.release();
  }
}
