// The page of gpu-precision.ts: runs single tfjs ops on a backend and returns
// their float32 results, for comparison with float64 references in Node.
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-webgl';
import '@tensorflow/tfjs-backend-webgpu';
import * as tf from '@tensorflow/tfjs-core';
import { expose } from '../src/browser/in-page';

/** One op's inputs: `a` (and `b`) as flat values with their shapes. */
export interface OpInput {
  /** The row of the table it belongs to. */
  id: string;
  op: string;
  a: number[];
  aShape: number[];
  b?: number[];
  bShape?: number[];
}

const OPS: Record<string, (a: tf.Tensor, b: tf.Tensor | undefined) => tf.Tensor> = {
  add: (a, b) => tf.add(a, b!),
  mul: (a, b) => tf.mul(a, b!),
  div: (a, b) => tf.div(a, b!),
  sqrt: (a) => tf.sqrt(a),
  exp: (a) => tf.exp(a),
  log: (a) => tf.log(a),
  tanh: (a) => tf.tanh(a),
  sigmoid: (a) => tf.sigmoid(a),
  logSoftmax: (a) => tf.logSoftmax(a),
  matMul: (a, b) => tf.matMul(a, b!),
  sum: (a) => tf.sum(a, 1),
};

async function run(input: { backend: string; flags: Record<string, boolean | number>; ops: OpInput[] }) {
  for (const [k, v] of Object.entries(input.flags)) tf.env().set(k, v);
  if (!(await tf.setBackend(input.backend))) throw new Error(`backend ${input.backend} did not initialise`);
  await tf.ready();
  const out: Record<string, number[]> = {};
  for (const o of input.ops) {
    const fn = OPS[o.op];
    if (fn === undefined) throw new Error(`unknown op ${o.op}`);
    const a = tf.tensor(o.a, o.aShape, 'float32');
    const b = o.b === undefined ? undefined : tf.tensor(o.b, o.bShape, 'float32');
    const r = fn(a, b);
    out[o.id] = Array.from(await r.data());
    tf.dispose([a, r, ...(b ? [b] : [])]);
  }
  return { backend: tf.getBackend(), out, flags: tf.env().getFlags() as Record<string, boolean | number> };
}

export const api = expose({ run });
export type PrecisionApi = typeof api;
