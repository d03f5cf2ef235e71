import type { GeneratorInfo, StoredTensor } from '../fixtures';
import { array, checkSize, fail, knownKeys, number, numbers, object, record, shape, string, strings, type Json } from './fields';
import { readOptimizer, type FixtureOptimizer } from './optimizer';

export const ONNX_TRAINING_FORMAT = 'adamw-onnx-training/1';

/** Element types of a feed. */
export type FeedDtype = 'float32' | 'float64' | 'int64' | 'bool';
const FEED_DTYPES: readonly FeedDtype[] = ['float32', 'float64', 'int64', 'bool'];

/** One input of the model: its shape, element type and row-major values (integers for int64, true/false or 0/1 for bool). */
export interface StoredFeed {
  shape: number[];
  dtype: FeedDtype;
  data: number[] | boolean[];
}

/** The inputs of one run, by the model's input names. */
export type StoredFeeds = Record<string, StoredFeed>;

/**
 * `adamw-onnx-training/1`: a whole model exported by torch with what torch
 * computed on it, written by `generator/generate_onnx_training.py`.
 */
export interface OnnxTrainingFixture {
  format: typeof ONNX_TRAINING_FORMAT;
  name: string;
  description?: string;
  generator: GeneratorInfo;
  /** Base64 of `torch.onnx.export` of a module returning its scalar loss (training mode, parameters as initializers). */
  onnx: string;
  /** The parameters trained, by initializer name. Absent: every float initializer the loss depends on. */
  trainable?: string[];
  /** The ONNX opset and operators of the export (informative). */
  opset?: number;
  operators?: string[];
  /** Loss and gradients of every trained parameter at the initial weights, on one batch. */
  gradients: {
    feeds: StoredFeeds;
    expected: { loss: number; grads: Record<string, StoredTensor> };
  };
  /** torch's AdamW over the steps' feeds, from the initial weights. */
  trajectory: {
    optimizer: FixtureOptimizer;
    steps: StoredFeeds[];
    expected: {
      /** Loss on each step's feeds, before that step's update. */
      losses: number[];
      /** Trained parameters after the last step. */
      params: Record<string, StoredTensor>;
      /** Running statistics (BatchNorm's running mean and variance) after the last step. */
      buffers?: Record<string, StoredTensor>;
      /**
       * Flat indices of final parameter elements that torch itself does not
       * determine in float32: their gradients are rounding noise (the key bias
       * of attention has a gradient of exactly zero), which Adam's normalised
       * update turns into steps of up to the learning rate. They are reported
       * but not held to the parameter tolerance.
       */
      undetermined?: Record<string, number[]>;
    };
  };
}

function readTensor(value: unknown, field: string): StoredTensor {
  const o = object(value, field);
  const dims = shape(o.shape, `${field}.shape`);
  const data = numbers(o.data, `${field}.data`);
  checkSize(data, dims, field);
  return { shape: dims, data };
}

function readFeed(value: unknown, field: string): StoredFeed {
  const o = object(value, field);
  const dims = shape(o.shape, `${field}.shape`);
  const dtype = string(o.dtype, `${field}.dtype`) as FeedDtype;
  if (!FEED_DTYPES.includes(dtype)) fail(`${field}.dtype`, `'${dtype}' is not one of ${FEED_DTYPES.join(', ')}`);
  const data = array(o.data, `${field}.data`);
  data.forEach((v, i) => {
    const ok = dtype === 'bool' ? typeof v === 'boolean' || v === 0 || v === 1 : typeof v === 'number' && (dtype !== 'int64' || Number.isSafeInteger(v));
    if (!ok) fail(`${field}.data[${i}]`, `${JSON.stringify(v)} is not a ${dtype} value`);
  });
  checkSize(data, dims, field);
  return { shape: dims, dtype, data: data as number[] | boolean[] };
}

function readFeeds(value: unknown, field: string): StoredFeeds {
  const feeds = record(value, field, readFeed);
  if (Object.keys(feeds).length === 0) fail(field, 'no inputs');
  return feeds;
}

function readExpected(value: unknown, field: string, steps: number): OnnxTrainingFixture['trajectory']['expected'] {
  const o = object(value, field);
  knownKeys(o, field, ['losses', 'params', 'buffers', 'undetermined']);
  const losses = numbers(o.losses, `${field}.losses`);
  if (losses.length !== steps) fail(`${field}.losses`, `${losses.length} losses for ${steps} steps`);
  const params = record(o.params, `${field}.params`, readTensor);
  const out: OnnxTrainingFixture['trajectory']['expected'] = { losses, params };
  if (o.buffers !== undefined) out.buffers = record(o.buffers, `${field}.buffers`, readTensor);
  if (o.undetermined !== undefined) {
    out.undetermined = record(o.undetermined, `${field}.undetermined`, (v, f) => {
      const name = f.slice(`${field}.undetermined.`.length);
      const size = params[name]?.data.length;
      if (size === undefined) fail(f, `'${name}' is not a parameter of ${field}.params`);
      const idx = numbers(v, f);
      idx.forEach((i, k) => {
        if (!Number.isInteger(i) || i < 0 || i >= size) fail(`${f}[${k}]`, `${i} is not an index of a parameter of ${size} values`);
      });
      return idx;
    });
  }
  return out;
}

/**
 * Reads and checks an `adamw-onnx-training/1` fixture (parsed JSON). Every
 * problem throws a {@link FixtureFormatError} naming the field
 * (`trajectory.steps[3].x.data: 11 values for shape [4, 3] (12 expected)`).
 * Optional fields get their defaults: `trajectory.optimizer.noDecay` `[]`,
 * `trajectory.optimizer.scheduleMultipliers` 1 for every step; AdamW
 * options that are absent take `@adamw/core`'s defaults (torch's).
 */
export function readOnnxTrainingFixture(value: unknown): OnnxTrainingFixture {
  const o = object(value, 'fixture');
  if (o.format !== ONNX_TRAINING_FORMAT) fail('format', `expected '${ONNX_TRAINING_FORMAT}', got ${JSON.stringify(o.format)}`);
  knownKeys(o, '', ['format', 'name', 'description', 'generator', 'onnx', 'trainable', 'opset', 'operators', 'gradients', 'trajectory']);
  const gradients = object(o.gradients, 'gradients');
  const gradExpected = object(gradients.expected, 'gradients.expected');
  const trajectory = object(o.trajectory, 'trajectory');
  const steps = array(trajectory.steps, 'trajectory.steps').map((s, i) => readFeeds(s, `trajectory.steps[${i}]`));
  if (steps.length === 0) fail('trajectory.steps', 'no steps');
  const onnx = string(o.onnx, 'onnx');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(onnx)) fail('onnx', 'not base64 text');
  const f: OnnxTrainingFixture = {
    format: ONNX_TRAINING_FORMAT,
    name: string(o.name, 'name'),
    generator: object(o.generator, 'generator') as unknown as GeneratorInfo,
    onnx,
    gradients: {
      feeds: readFeeds(gradients.feeds, 'gradients.feeds'),
      expected: {
        loss: number(gradExpected.loss, 'gradients.expected.loss'),
        grads: record(gradExpected.grads, 'gradients.expected.grads', readTensor),
      },
    },
    trajectory: {
      optimizer: readOptimizer(trajectory.optimizer, 'trajectory.optimizer', steps.length),
      steps,
      expected: readExpected(trajectory.expected, 'trajectory.expected', steps.length),
    },
  };
  if (o.description !== undefined) f.description = string(o.description, 'description');
  if (o.opset !== undefined) f.opset = number(o.opset, 'opset');
  if (o.operators !== undefined) f.operators = strings(o.operators, 'operators');
  if (o.trainable !== undefined) {
    f.trainable = strings(o.trainable, 'trainable');
    if (f.trainable.length === 0) fail('trainable', 'empty (leave it out to train every parameter)');
    for (const name of Object.keys(f.gradients.expected.grads)) {
      if (!f.trainable.includes(name)) fail(`gradients.expected.grads.${name}`, 'a gradient of a parameter that trainable does not list');
    }
  }
  return f;
}

/** Whether parsed JSON claims to be an `adamw-onnx-training/1` fixture. */
export function isOnnxTrainingJson(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && (value as Json).format === ONNX_TRAINING_FORMAT;
}
