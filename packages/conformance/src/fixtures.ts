import type { AdamWOptions, SGDWOptions } from '@adamw/core';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { FixtureFormatError } from './read/fields';
import { ONNX_TRAINING_FORMAT, readOnnxTrainingFixture, type OnnxTrainingFixture } from './read/onnx-training';
import { readTrajectoryFixture } from './read/trajectory';

/** The element type of a fixture's arrays. */
export type Dtype = 'float32' | 'float64';

/** A flat typed array of either precision. */
export type FloatArray = Float32Array | Float64Array;

/** Where the committed fixtures live (`packages/conformance/fixtures`). */
export const FIXTURES_DIR: string = fileURLToPath(new URL('../fixtures/', import.meta.url));

/** Which PyTorch produced a fixture and with which script. */
export interface GeneratorInfo {
  /** `torch.__version__`. */
  torch: string;
  /** The generator script, relative to the package. */
  script: string;
  /**
   * The SIMD level of torch's CPU kernels (e.g. `AVX2`). Its vectorized
   * kernels use fused multiply-add, so float64 results can differ in the
   * last bit from a machine with another capability.
   */
  cpuCapability?: string;
}

// ---------------------------------------------------------------------------
// adamw-core/1

/** AdamW options of a core fixture: `@adamw/core`'s, every one given, in torch's convention. */
export type CoreAdamWFixtureOptions = Required<
  Pick<AdamWOptions, 'lr' | 'beta1' | 'beta2' | 'eps' | 'weightDecay' | 'amsgrad' | 'maximize' | 'decay' | 'decayScale'>
> & {
  convention: 'torch';
};

/** Just the AdamW options of a fixture's settings (fixtures carry extra fields such as noDecay). */
export function adamwOptionsOf(o: CoreAdamWFixtureOptions): CoreAdamWFixtureOptions {
  const { lr, beta1, beta2, eps, weightDecay, amsgrad, maximize, decay, decayScale, convention } = o;
  return { lr, beta1, beta2, eps, weightDecay, amsgrad, maximize, decay, decayScale, convention };
}

/** SGDW options of a core fixture: `@adamw/core`'s, every one given. */
export type CoreSGDWFixtureOptions = Required<
  Pick<SGDWOptions, 'lr' | 'momentum' | 'dampening' | 'nesterov' | 'weightDecay' | 'decay' | 'decayScale' | 'maximize'>
>;

/**
 * Values after one step. For AdamW `m`, `v` (and `vMax` with AMSGrad) are
 * torch's `exp_avg`, `exp_avg_sq` and `max_exp_avg_sq`; for SGDW `m` is the
 * momentum buffer (absent without momentum) and there is no `v`.
 */
export interface CoreExpectedStep {
  step: number;
  params: number[];
  m?: number[];
  v?: number[];
  vMax?: number[];
}

interface CoreFixtureBase {
  format: 'adamw-core/1';
  name: string;
  description: string;
  generator: GeneratorInfo;
  dtype: Dtype;
  /** η of each step; absent means 1 throughout. */
  scheduleMultipliers?: number[];
  /** Initial parameters. */
  params: number[];
  /** One gradient per step. */
  grads: number[][];
  /** Expected values after every step, or after checkpoint steps in long runs. */
  expected: CoreExpectedStep[];
}

export interface CoreAdamWFixture extends CoreFixtureBase {
  optimizer: 'adamw';
  options: CoreAdamWFixtureOptions;
}

export interface CoreSGDWFixture extends CoreFixtureBase {
  optimizer: 'sgdw';
  options: CoreSGDWFixtureOptions;
}

/** A single-optimizer fixture: fixed gradients, expected values per step. */
export type CoreFixture = CoreAdamWFixture | CoreSGDWFixture;

// ---------------------------------------------------------------------------
// adamw-trajectory/1

/** A tensor as stored in a fixture: row-major data and its shape. */
export interface StoredTensor {
  shape: number[];
  data: number[];
}

export type Activation = 'relu' | 'tanh' | 'sigmoid';
export type LossKind = 'softmax-cross-entropy' | 'mse';

/**
 * A multilayer perceptron: `layers = [in, ...hidden, out]`, one linear layer
 * per consecutive pair (`lins.<i>.weight` of shape [out, in], `lins.<i>.bias`
 * of shape [out]; y = x·Wᵀ + b), the activation after every layer but the
 * last.
 */
export interface MlpModel {
  kind: 'mlp';
  layers: number[];
  activation: Activation;
  /**
   * `softmax-cross-entropy`: mean over the batch of the cross entropy of the
   * softmax of the logits against integer labels (`F.cross_entropy`).
   * `mse`: mean over all elements of the squared difference
   * (`F.mse_loss`).
   */
  loss: LossKind;
}

/**
 * Optimizer of a trajectory, in `@adamw/core`'s names. The loader fills the
 * optional fields: `noDecay` defaults to `[]`, `scheduleMultipliers` to 1
 * for every batch.
 */
export interface TrajectoryOptimizer extends CoreAdamWFixtureOptions {
  /** Parameter names trained with weight decay 0. */
  noDecay: string[];
  /** η of each step. */
  scheduleMultipliers: number[];
}

export interface TrajectoryFixture {
  format: 'adamw-trajectory/1';
  name: string;
  description: string;
  generator: GeneratorInfo;
  dtype: Dtype;
  model: MlpModel;
  /** Initial parameters by name (`lins.0.weight`, `lins.0.bias`, ...). */
  params: Record<string, StoredTensor>;
  /**
   * Base64 of an ONNX model (`torch.onnx.export`, training mode) whose inputs
   * are `x` and `y` and whose output `loss` is the scalar training loss; the
   * parameters are initializers under the same names as in `params`.
   */
  onnx: string;
  /**
   * `x`: [rows, in]. `y`: [rows] class labels (integers) for
   * softmax-cross-entropy, [rows, out] targets for mse.
   */
  data: { x: StoredTensor; y: StoredTensor };
  /** Row indices of each step's batch, one list per step. */
  batches: number[][];
  optimizer: TrajectoryOptimizer;
  expected: {
    /** Loss on each step's batch, computed before that step's update. */
    losses: number[];
    /** Parameters after the last step. */
    params: Record<string, StoredTensor>;
  };
}

export type { OnnxTrainingFixture } from './read/onnx-training';

export type Fixture = CoreFixture | TrajectoryFixture | OnnxTrainingFixture;
/** `core`: adamw-core/1; `trajectory`: adamw-trajectory/1; `onnx-training`: adamw-onnx-training/1. */
export type FixtureKind = 'core' | 'trajectory' | 'onnx-training';

// ---------------------------------------------------------------------------
// Loading

/**
 * JSON has no non-finite numbers; the generators write them as the strings
 * "Infinity", "-Infinity" and "NaN". This reviver turns them back.
 */
function reviveNonFinite(_key: string, value: unknown): unknown {
  if (value === 'Infinity') return Number.POSITIVE_INFINITY;
  if (value === '-Infinity') return Number.NEGATIVE_INFINITY;
  if (value === 'NaN') return Number.NaN;
  return value;
}

/** Reads a fixture file's JSON, gunzipping it when it is gzip data. */
export function readFixtureJson(path: string): unknown {
  const bytes = readFileSync(path);
  const text = bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipSync(bytes).toString('utf8') : bytes.toString('utf8');
  return JSON.parse(text, reviveNonFinite);
}

/** The kind of a parsed fixture, from its `format`. */
export function fixtureKind(fixture: Fixture): FixtureKind {
  if (fixture.format === 'adamw-core/1') return 'core';
  return fixture.format === ONNX_TRAINING_FORMAT ? 'onnx-training' : 'trajectory';
}

/**
 * Checks parsed JSON of any fixture format and fills the optional fields of
 * trajectories (see `readTrajectoryFixture`, `readOnnxTrainingFixture`).
 * Throws on an unknown format, or with the name of a malformed field.
 */
export function readFixture(value: unknown, source = 'fixture'): Fixture {
  const format = value && typeof value === 'object' ? (value as { format?: unknown }).format : undefined;
  try {
    if (format === 'adamw-core/1') return value as CoreFixture;
    if (format === 'adamw-trajectory/1') return readTrajectoryFixture(value);
    if (format === ONNX_TRAINING_FORMAT) return readOnnxTrainingFixture(value);
  } catch (e) {
    // Say which file: `path: trajectory.optimizer.lr: expected a number, ...`.
    if (e instanceof FixtureFormatError) e.message = `${source}: ${e.message}`;
    throw e;
  }
  throw new Error(`${source}: not a conformance fixture (format ${JSON.stringify(format)})`);
}

/** Loads a fixture of any format; throws on an unknown format or a malformed field (naming it). */
export function loadFixture(path: string): Fixture {
  return readFixture(readFixtureJson(path), path);
}

export function loadCoreFixture(path: string): CoreFixture {
  const f = loadFixture(path);
  if (f.format !== 'adamw-core/1') throw new Error(`${path}: expected an adamw-core/1 fixture, got ${f.format}`);
  return f;
}

export function loadTrajectoryFixture(path: string): TrajectoryFixture {
  const f = loadFixture(path);
  if (f.format !== 'adamw-trajectory/1') {
    throw new Error(`${path}: expected an adamw-trajectory/1 fixture, got ${f.format}`);
  }
  return f;
}

export function loadOnnxTrainingFixture(path: string): OnnxTrainingFixture {
  const f = loadFixture(path);
  if (f.format !== ONNX_TRAINING_FORMAT) throw new Error(`${path}: expected an ${ONNX_TRAINING_FORMAT} fixture, got ${f.format}`);
  return f;
}

/** Fixture files end in `.json` or `.json.gz`; `*.baseline.json` (speed baselines kept beside them) are not fixtures. */
function isFixtureFile(name: string): boolean {
  return (name.endsWith('.json') || name.endsWith('.json.gz')) && !name.endsWith('.baseline.json');
}

/** A fixture's name from its file name (`defaults-f32.json.gz` → `defaults-f32`). */
export function fixtureNameOf(path: string): string {
  return basename(path).replace(/\.json(\.gz)?$/, '');
}

/**
 * Paths of the committed fixtures, sorted: `core/` first, then
 * `trajectories/`, then `onnx/`. With `kind`, only that kind.
 */
export function listFixtures(kind?: FixtureKind, root: string = FIXTURES_DIR): string[] {
  const dirs: [FixtureKind, string][] = [
    ['core', join(root, 'core')],
    ['trajectory', join(root, 'trajectories')],
    ['onnx-training', join(root, 'onnx')],
  ];
  const out: string[] = [];
  for (const [k, dir] of dirs) {
    if (kind !== undefined && kind !== k) continue;
    if (!existsSync(dir)) continue;
    const names = readdirSync(dir).filter(isFixtureFile).sort();
    for (const n of names) out.push(join(dir, n));
  }
  return out;
}

/**
 * Expands command-line arguments to fixture files: a directory yields the
 * fixture files inside it (recursively); a file is taken as is.
 */
export function expandFixturePaths(args: readonly string[]): string[] {
  const out: string[] = [];
  const walk = (p: string): void => {
    if (statSync(p).isDirectory()) {
      for (const n of readdirSync(p).sort()) {
        const child = join(p, n);
        if (statSync(child).isDirectory() || isFixtureFile(n)) walk(child);
      }
    } else {
      out.push(p);
    }
  };
  for (const a of args) walk(resolve(a));
  return out;
}

/** A short label for a fixture path: relative to the fixtures folder when inside it. */
export function fixtureLabel(path: string): string {
  const rel = relative(FIXTURES_DIR, path);
  const inside = !rel.startsWith('..') && !rel.startsWith('/');
  return (inside ? rel : path).replace(/\.json(\.gz)?$/, '');
}

// ---------------------------------------------------------------------------
// Typed arrays

/** The typed-array constructor for a dtype. */
export function arrayType(dtype: Dtype): Float32ArrayConstructor | Float64ArrayConstructor {
  return dtype === 'float32' ? Float32Array : Float64Array;
}

/**
 * Copies numbers into a typed array of the dtype. Values of float32
 * fixtures are exact float32 values, so the conversion loses nothing.
 */
export function toTyped(values: readonly number[], dtype: 'float32'): Float32Array;
export function toTyped(values: readonly number[], dtype: 'float64'): Float64Array;
export function toTyped(values: readonly number[], dtype: Dtype): FloatArray;
export function toTyped(values: readonly number[], dtype: Dtype): FloatArray {
  return dtype === 'float32' ? Float32Array.from(values) : Float64Array.from(values);
}

/** A stored tensor's data as a typed array of the dtype (shape checked). */
export function tensorData(t: StoredTensor, dtype: Dtype): FloatArray {
  const size = t.shape.reduce((a, b) => a * b, 1);
  if (size !== t.data.length) {
    throw new Error(`tensor of shape [${t.shape.join(', ')}] has ${t.data.length} values, expected ${size}`);
  }
  return toTyped(t.data, dtype);
}

/** Every parameter of a trajectory fixture's initial state as typed arrays. */
export function initialParams(f: TrajectoryFixture): Record<string, FloatArray> {
  const out: Record<string, FloatArray> = {};
  for (const [name, t] of Object.entries(f.params)) out[name] = tensorData(t, f.dtype);
  return out;
}

/** The ONNX model of a trajectory fixture as bytes. */
export function onnxBytes(f: TrajectoryFixture): Uint8Array {
  return new Uint8Array(Buffer.from(f.onnx, 'base64'));
}

/**
 * The rows of the batch of step `index` (0-based): `x` as [batch, in] and `y` as [batch] labels
 * (cross entropy) or [batch, out] targets (mse), in the fixture's dtype
 * except that labels are plain integers.
 */
export function batchData(f: TrajectoryFixture, index: number): { x: FloatArray; xShape: [number, number]; y: FloatArray | Int32Array; yShape: number[] } {
  const rows = f.batches[index];
  if (!rows) throw new RangeError(`batch ${index} out of range (fixture has ${f.batches.length})`);
  const [, inDim] = f.data.x.shape as [number, number];
  const Ctor = arrayType(f.dtype);
  const x = new Ctor(rows.length * inDim);
  rows.forEach((r, i) => {
    for (let j = 0; j < inDim; j++) x[i * inDim + j] = f.data.x.data[r * inDim + j]!;
  });
  if (f.model.loss === 'softmax-cross-entropy') {
    const y = Int32Array.from(rows, (r) => f.data.y.data[r]!);
    return { x, xShape: [rows.length, inDim], y, yShape: [rows.length] };
  }
  const outDim = f.data.y.shape[1]!;
  const y = new Ctor(rows.length * outDim);
  rows.forEach((r, i) => {
    for (let j = 0; j < outDim; j++) y[i * outDim + j] = f.data.y.data[r * outDim + j]!;
  });
  return { x, xShape: [rows.length, inDim], y, yShape: [rows.length, outDim] };
}
