import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { compareTrajectory } from '../src/adapters';
import { adapter as ortAdapter } from '../src/adapters/onnxruntime';
import { adapter as trainerAdapter } from '../src/adapters/trainer';
import { FIXTURES_DIR, loadFixture, readFixture, readFixtureJson } from '../src/fixtures';
import { FixtureFormatError } from '../src/read/fields';
import { readOnnxTrainingFixture } from '../src/read/onnx-training';
import { readTrajectoryFixture } from '../src/read/trajectory';

const tmp = mkdtempSync(join(tmpdir(), 'adamw-conformance-read-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** A fresh parsed copy of a committed fixture file. */
function json(relative: string): Json {
  return readFixtureJson(join(FIXTURES_DIR, relative)) as Json;
}

/** The message of what `f` throws (it must throw a FixtureFormatError). */
function formatError(f: () => unknown): FixtureFormatError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(FixtureFormatError);
    return e as FixtureFormatError;
  }
  throw new Error('expected a FixtureFormatError');
}

// Decays every parameter and keeps η = 1: the defaults of both optional fields.
const PLAIN_TRAJECTORY = 'trajectories/iris-sigmoid-ce-amsgrad-f32.json.gz';

describe('adamw-trajectory/1 reader', () => {
  it('fills a missing noDecay with [] and missing scheduleMultipliers with 1 per batch', () => {
    const raw = json(PLAIN_TRAJECTORY);
    expect(raw.optimizer.noDecay).toEqual([]);
    expect(new Set(raw.optimizer.scheduleMultipliers)).toEqual(new Set([1]));
    delete raw.optimizer.noDecay;
    delete raw.optimizer.scheduleMultipliers;
    const f = readTrajectoryFixture(raw);
    expect(f.optimizer.noDecay).toEqual([]);
    expect(f.optimizer.scheduleMultipliers).toEqual(new Array(raw.batches.length).fill(1));
    expect(raw.optimizer.noDecay).toBeUndefined(); // the input is not modified
  });

  it('trains a fixture without the optional fields through the ONNX Runtime and trainer adapters', async () => {
    const raw = json(PLAIN_TRAJECTORY);
    delete raw.optimizer.noDecay;
    delete raw.optimizer.scheduleMultipliers;
    const path = join(tmp, 'no-optional-fields.json');
    writeFileSync(path, JSON.stringify(raw));
    const f = loadFixture(path);
    if (f.format !== 'adamw-trajectory/1') throw new Error('wrong format');
    for (const adapter of [ortAdapter, trainerAdapter]) {
      const c = compareTrajectory(f, await adapter.run(f));
      expect(c.pass, adapter.name).toBe(true);
    }
  });

  it('names the field that is wrong', () => {
    const cases: [(f: Json) => void, RegExp][] = [
      [(f) => (f.optimizer.scheduleMultipliers = [1, 1]), /^optimizer\.scheduleMultipliers: 2 values for 30 steps/],
      [(f) => (f.optimizer.scheduleMultipliers[4] = 'fast'), /^optimizer\.scheduleMultipliers\[4\]: expected a number/],
      [(f) => (f.optimizer.noDecay = 'bias'), /^optimizer\.noDecay: expected an array/],
      [(f) => (f.optimizer.lr = '1e-3'), /^optimizer\.lr: expected a number, got string/],
      [(f) => (f.optimizer.decay = 'coupled'), /^optimizer\.decay: 'coupled' is not one of decoupled, l2/],
      [(f) => (f.optimizer.momentum = 0.9), /^optimizer\.momentum: unknown field/],
      [(f) => delete f.optimizer, /^optimizer: expected an object, got missing/],
      [(f) => f.expected.losses.pop(), /^expected\.losses: 29 losses for 30 batches/],
      [(f) => (f.batches[2] = null), /^batches\[2\]: expected an array/],
    ];
    for (const [edit, message] of cases) {
      const raw = json(PLAIN_TRAJECTORY);
      edit(raw);
      expect(formatError(() => readTrajectoryFixture(raw)).message).toMatch(message);
    }
  });

  it('puts the file name in front when loading a file', () => {
    const raw = json(PLAIN_TRAJECTORY);
    raw.optimizer.eps = null;
    const path = join(tmp, 'bad-eps.json');
    writeFileSync(path, JSON.stringify(raw));
    const e = formatError(() => loadFixture(path));
    expect(e.message).toBe(`${path}: optimizer.eps: expected a number, got null`);
    expect(e.field).toBe('optimizer.eps');
  });
});

const ONNX = 'onnx/embedding-bag-padded-f32.json.gz';

describe('adamw-onnx-training/1 reader', () => {
  it('reads a committed fixture whole', () => {
    const f = readOnnxTrainingFixture(json('onnx/gpt-tiny-f32.json.gz'));
    expect(f.trajectory.steps.length).toBe(f.trajectory.expected.losses.length);
    expect(f.trajectory.optimizer.scheduleMultipliers).toHaveLength(f.trajectory.steps.length);
    expect(Object.keys(f.trajectory.steps[0]!)).toEqual(['x', 'y']);
    expect(f.trajectory.steps[0]!.x!.dtype).toBe('int64');
    expect(Object.keys(f.trajectory.expected.undetermined ?? {})).toEqual(['blocks.0.attn.qkv.bias', 'blocks.1.attn.qkv.bias']);
  });

  it('fills missing noDecay and scheduleMultipliers with their defaults', () => {
    const raw = json(ONNX);
    expect(raw.trajectory.optimizer.noDecay).toBeUndefined(); // written without: one parameter group
    delete raw.trajectory.optimizer.scheduleMultipliers;
    const f = readOnnxTrainingFixture(raw);
    expect(f.trajectory.optimizer.noDecay).toEqual([]);
    expect(f.trajectory.optimizer.scheduleMultipliers).toEqual(new Array(raw.trajectory.steps.length).fill(1));
  });

  it('names the field that is wrong', () => {
    const cases: [(f: Json) => void, RegExp][] = [
      [(f) => (f.trajectory.optimizer.scheduleMultipliers = [1]), /^trajectory\.optimizer\.scheduleMultipliers: 1 values for 10 steps/],
      [(f) => (f.trajectory.optimizer.noDecay = [3]), /^trajectory\.optimizer\.noDecay\[0\]: expected a string/],
      [(f) => (f.trajectory.optimizer.amsgrad = 'yes'), /^trajectory\.optimizer\.amsgrad: expected true or false/],
      [(f) => f.trajectory.steps[1].x.data.pop(), /^trajectory\.steps\[1\]\.x\.data: 159 values for shape \[16, 10\] \(160 expected\)/],
      [(f) => (f.trajectory.steps[0].x.data[3] = 1.5), /^trajectory\.steps\[0\]\.x\.data\[3\]: 1\.5 is not a int64 value/],
      [(f) => (f.gradients.feeds.y.dtype = 'int32'), /^gradients\.feeds\.y\.dtype: 'int32' is not one of float32, float64, int64, bool/],
      [(f) => (f.gradients.expected.grads['out.bias'].shape = [4]), /^gradients\.expected\.grads\.out\.bias\.data: 3 values for shape \[4\]/],
      [(f) => delete f.gradients.expected.loss, /^gradients\.expected\.loss: expected a number, got missing/],
      [(f) => f.trajectory.expected.losses.push(1), /^trajectory\.expected\.losses: 11 losses for 10 steps/],
      [(f) => (f.trajectory.steps = []), /^trajectory\.steps: no steps/],
      [(f) => (f.onnx = 'not base64!'), /^onnx: not base64 text/],
      [(f) => (f.trainable = []), /^trainable: empty/],
      [(f) => (f.trainable = ['out.weight']), /^gradients\.expected\.grads\.bag\.weight: a gradient of a parameter that trainable does not list/],
      [(f) => (f.trajectory.expected.undetermined = { 'out.bias': [3] }), /^trajectory\.expected\.undetermined\.out\.bias\[0\]: 3 is not an index/],
      [(f) => (f.trajectory.expected.undetermined = { nope: [0] }), /^trajectory\.expected\.undetermined\.nope: 'nope' is not a parameter/],
      [(f) => (f.extra = 1), /^extra: unknown field/],
    ];
    for (const [edit, message] of cases) {
      const raw = json(ONNX);
      edit(raw);
      expect(formatError(() => readOnnxTrainingFixture(raw)).message).toMatch(message);
    }
  });

  it('is what loadFixture returns for the format', () => {
    const f = readFixture(json(ONNX));
    expect(f.format).toBe('adamw-onnx-training/1');
    expect(() => readFixture({ format: 'adamw-onnx-training/2' })).toThrow(/not a conformance fixture/);
  });
});
