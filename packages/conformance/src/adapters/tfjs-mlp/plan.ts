import { adamwOptionsOf, batchData, type CoreAdamWFixtureOptions, type MlpModel, type StoredTensor, type TrajectoryFixture } from '../../fixtures';

/**
 * A trajectory fixture as tfjs trains it, in plain JSON so that it can cross
 * into a browser page: Dense kernels in tfjs's [in, out] layout, every
 * step's batch, and the optimizer settings. Values are float32 (tfjs
 * computes in float32 whatever the fixture's dtype).
 */
export interface MlpPlan {
  name: string;
  model: MlpModel;
  /** Per layer: the kernel [in, out] row-major and the bias [out]. */
  layers: { inDim: number; outDim: number; kernel: number[]; bias: number[] }[];
  /** Per step: `x` [rows, in] row-major; `y` class labels (cross entropy) or [rows, out] targets (mse). */
  batches: { rows: number; x: number[]; y: number[] }[];
  optimizer: {
    options: CoreAdamWFixtureOptions;
    /** η of each step. */
    scheduleMultipliers: number[];
    /** torch names (`lins.<k>.weight` / `.bias`) trained without weight decay. */
    noDecay: string[];
  };
}

/** What training a plan gives back, in torch's layout (`lins.<k>.weight` [out, in]). */
export interface MlpResult {
  losses: number[];
  params: Record<string, number[]>;
}

const f32 = (values: ArrayLike<number>): number[] => Array.from(Float32Array.from(values as ArrayLike<number>));

/** torch's Linear weight [out, in] (row-major) as a Dense kernel [in, out]. */
function toKernel(w: StoredTensor): number[] {
  const [out, inDim] = w.shape as [number, number];
  const kernel = new Array<number>(inDim * out);
  for (let o = 0; o < out; o++) {
    for (let i = 0; i < inDim; i++) kernel[i * out + o] = Math.fround(w.data[o * inDim + i]!);
  }
  return kernel;
}

/** The plan of a trajectory fixture. */
export function planOf(f: TrajectoryFixture): MlpPlan {
  const layers = f.model.layers.slice(1).map((outDim, k) => {
    const w = f.params[`lins.${k}.weight`];
    const b = f.params[`lins.${k}.bias`];
    if (w === undefined || b === undefined) throw new Error(`fixture ${f.name} has no lins.${k}.weight / lins.${k}.bias`);
    const [out, inDim] = w.shape as [number, number];
    if (out !== outDim) throw new Error(`fixture ${f.name}: lins.${k}.weight has ${out} rows, the model says ${outDim}`);
    return { inDim, outDim, kernel: toKernel(w), bias: f32(b.data) };
  });
  const batches = f.batches.map((_, i) => {
    const batch = batchData(f, i);
    return { rows: batch.xShape[0], x: f32(batch.x), y: batch.y instanceof Int32Array ? Array.from(batch.y) : f32(batch.y) };
  });
  const o = f.optimizer;
  return {
    name: f.name,
    model: f.model,
    layers,
    batches,
    optimizer: { options: adamwOptionsOf(o), scheduleMultipliers: [...o.scheduleMultipliers], noDecay: [...o.noDecay] },
  };
}
