import * as ort from 'onnxruntime-node';
import { buildTraining } from '../../src/index.js';
import { makeModel, random, randoms, size, type InitSpec, type NodeSpec, type ValueSpec } from './onnx.js';

type Float = 'float32' | 'float64';

export interface ParamSpec {
  name: string;
  dims: number[];
  /** Explicit values; otherwise uniform in [lo, hi). */
  values?: number[];
  lo?: number;
  hi?: number;
}

export interface FeedSpec {
  /** How the graph declares the input (symbolic or unknown dims allowed). */
  spec: ValueSpec;
  dims: number[];
  values: number[];
}

export interface OpCase {
  type: Float;
  opset?: number;
  /** Trained initializers: the gradients checked. */
  params: ParamSpec[];
  /** Initializers that are not trained (exponents, axes, labels, ...). */
  consts?: InitSpec[] | undefined;
  /** Graph inputs fed at run time. */
  feeds?: FeedSpec[];
  nodes: NodeSpec[];
  /**
   * The value reduced to the loss as Σ out ⊙ R with a random R of
   * `outDims`, or with `outDims: []` and `scalar: true` the loss itself.
   */
  out: string;
  outDims: number[];
  scalar?: boolean;
  seed?: number;
  /** Finite-difference step. Default 1e-6 (float64) or 1e-2 (float32). */
  h?: number;
}

export interface GradCheck {
  /** Largest |analytic − numeric| / (atol + rtol·|numeric|); ≤ 1 passes. */
  worst: number;
  where: string;
  /** Largest |analytic| seen, so a test can insist the gradient is not trivially zero. */
  largest: number;
  /** Number of gradient entries compared. */
  count: number;
  analytic: Record<string, Float32Array | Float64Array>;
}

/** The model of an op case: the op nodes, then loss = ReduceSum(out · R). */
export function opCaseModel(c: OpCase): Uint8Array {
  const rand = random((c.seed ?? 1) * 7919);
  const params: InitSpec[] = c.params.map((p) => ({
    name: p.name,
    type: c.type,
    dims: p.dims,
    values: p.values ?? randoms(rand, size(p.dims), p.lo ?? -1, p.hi ?? 1),
  }));
  const nodes = [...c.nodes];
  const consts = [...(c.consts ?? [])];
  if (!c.scalar) {
    consts.push({ name: 'R', type: c.type, dims: c.outDims, values: randoms(rand, size(c.outDims), -1, 1) });
    nodes.push({ op: 'Mul', inputs: [c.out, 'R'], outputs: ['weighted'] });
    nodes.push({ op: 'ReduceSum', inputs: ['weighted'], outputs: ['loss'], attrs: { keepdims: 0 } });
  }
  return makeModel({
    nodes,
    inputs: (c.feeds ?? []).map((f) => f.spec),
    initializers: [...params, ...consts],
    outputs: [{ name: c.scalar ? c.out : 'loss', type: c.type, dims: [] }],
    opset: c.opset ?? 17,
  });
}

function feedTensor(f: FeedSpec): ort.Tensor {
  switch (f.spec.type) {
    case 'float32':
      return new ort.Tensor('float32', Float32Array.from(f.values), f.dims);
    case 'float64':
      return new ort.Tensor('float64', Float64Array.from(f.values), f.dims);
    case 'int64':
      return new ort.Tensor('int64', BigInt64Array.from(f.values.map((v) => BigInt(v))), f.dims);
    case 'int32':
      return new ort.Tensor('int32', Int32Array.from(f.values), f.dims);
    case 'bool':
      return new ort.Tensor('bool', Uint8Array.from(f.values), f.dims);
  }
}

/**
 * Builds the training model of an op case, runs it in ONNX Runtime, and
 * compares every gradient entry with a central finite difference of the
 * loss computed by the same session (parameters nudged by ±h).
 */
export async function gradCheck(c: OpCase, tol: { rtol: number; atol: number }): Promise<GradCheck> {
  const forward = opCaseModel(c);
  const training = buildTraining(forward, { trainable: c.params.map((p) => p.name) });
  const session = await ort.InferenceSession.create(training.model, { intraOpNumThreads: 1 });
  try {
    const feeds: Record<string, ort.Tensor> = {};
    for (const f of c.feeds ?? []) feeds[f.spec.name] = feedTensor(f);
    const arrays: Record<string, Float32Array | Float64Array> = {};
    for (const p of training.parameters) {
      arrays[p.name] = p.initial;
      feeds[p.name] = new ort.Tensor(c.type, p.initial, p.dims);
    }
    const out = await session.run(feeds);
    const analytic: Record<string, Float32Array | Float64Array> = {};
    for (const p of training.parameters) analytic[p.name] = out[p.grad]!.data as Float32Array | Float64Array;
    const h = c.h ?? (c.type === 'float64' ? 1e-6 : 1e-2);
    const lossAt = async (): Promise<number> => Number((await session.run(feeds, [training.loss]))[training.loss]!.data[0]);
    let worst = 0;
    let where = '';
    let largest = 0;
    let count = 0;
    for (const p of training.parameters) {
      const a = arrays[p.name]!;
      for (let i = 0; i < a.length; i++) {
        const v = a[i]!;
        a[i] = v + h;
        const up = await lossAt();
        a[i] = v - h;
        const down = await lossAt();
        a[i] = v;
        const numeric = (up - down) / (2 * h);
        const got = analytic[p.name]![i]!;
        const err = Math.abs(got - numeric) / (tol.atol + tol.rtol * Math.abs(numeric));
        if (!(err <= worst)) {
          worst = Number.isNaN(err) ? Infinity : err;
          where = `${p.name}[${i}]: analytic ${got}, numeric ${numeric}`;
        }
        largest = Math.max(largest, Math.abs(got));
        count++;
      }
    }
    return { worst, where, largest, count, analytic };
  } finally {
    await session.release();
  }
}

/** Tolerances of the finite-difference comparison by precision. */
export const FD_TOL: Readonly<Record<Float, { rtol: number; atol: number }>> = {
  float64: { rtol: 1e-6, atol: 1e-7 },
  float32: { rtol: 1e-2, atol: 2e-3 },
};
