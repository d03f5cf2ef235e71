import { describe, expect, it } from 'vitest';
import { adapter } from '../src/adapters/onnxruntime';
import { compareOnnxTraining, onnxTrainingLine } from '../src/compare-training';
import { fixtureNameOf, listFixtures, loadOnnxTrainingFixture } from '../src/fixtures';
import type { OnnxTrainingResult } from '../src/ort/onnx-training';
import type { OnnxTrainingFixture } from '../src/read/onnx-training';

const files = listFixtures('onnx-training');

/** The fixture's own expectations as a result (optionally nudged). */
function echo(f: OnnxTrainingFixture, nudge = 0): OnnxTrainingResult {
  const arrays = (m: Record<string, { data: number[] }>) =>
    Object.fromEntries(Object.entries(m).map(([k, t]) => [k, Float32Array.from(t.data, (v) => v * (1 + nudge))]));
  return {
    gradients: { loss: f.gradients.expected.loss * (1 + nudge), grads: arrays(f.gradients.expected.grads) },
    losses: f.trajectory.expected.losses.map((v) => v * (1 + nudge)),
    params: arrays(f.trajectory.expected.params),
    ...(f.trajectory.expected.buffers === undefined ? {} : { buffers: arrays(f.trajectory.expected.buffers) }),
  };
}

describe('adamw-onnx-training/1 fixtures', () => {
  it('are the five models and the fine-tune, small enough for CI', () => {
    expect(files.map(fixtureNameOf)).toEqual([
      'cnn-batchnorm-mnist-f32',
      'embedding-bag-padded-f32',
      'gpt-tiny-f32',
      'mlp-layernorm-gelu-mse-f32',
      'transformer-encoder-f32',
      'transformer-head-finetune-f32',
    ]);
    for (const path of files) {
      const f = loadOnnxTrainingFixture(path);
      expect(f.generator.torch).toMatch(/^1\.13/);
      expect(f.opset).toBeGreaterThanOrEqual(13);
      expect(f.opset).toBeLessThanOrEqual(17);
      expect(f.trajectory.steps.length).toBeGreaterThanOrEqual(5);
      expect(f.trajectory.steps.length).toBeLessThanOrEqual(10);
    }
  });

  it.each(files.map((p) => [fixtureNameOf(p), p] as const))('%s trains with onnxruntime-node as torch trains it', async (name, path) => {
    const f = loadOnnxTrainingFixture(path);
    const c = compareOnnxTraining(f, await adapter.runOnnxTraining!(f));
    expect(c.problems).toEqual([]);
    expect(c.pass, onnxTrainingLine(name, adapter.name, c, '', true)).toBe(true);
    if (f.trajectory.expected.buffers !== undefined) expect(c.buffers?.worst.maxRel).toBeLessThanOrEqual(c.tolerance.buffers.rel);
  });
});

describe('adamw-onnx-training/1 comparison', () => {
  const f = loadOnnxTrainingFixture(files.find((p) => p.includes('gpt-tiny'))!);
  const undetermined = f.trajectory.expected.undetermined!;
  const [name, indices] = Object.entries(undetermined)[0]!;

  it('passes the expectations themselves and fails them nudged beyond each tolerance', () => {
    expect(compareOnnxTraining(f, echo(f)).pass).toBe(true);
    const c = compareOnnxTraining(f, echo(f, 1e-3));
    expect(c.pass).toBe(false);
    expect(c.grads.worst.maxRel).toBeGreaterThan(c.tolerance.grads.rel);
    expect(onnxTrainingLine('x', 'y', c, '0 s')).toMatch(
      /^FAIL {2}x × y: grads 1\.00e-3 \(tolerance 1\.00e-4\), loss 1\.00e-3 \(tolerance 1\.00e-5\), params 1\.00e-3 \(tolerance 2\.00e-4; 32 undetermined/,
    );
  });

  it('does not hold undetermined elements to the tolerance, but every other element', () => {
    const r = echo(f);
    for (const i of indices) r.params[name]![i]! += 0.01;
    let c = compareOnnxTraining(f, r);
    expect(c.pass).toBe(true);
    expect(c.undetermined).toBe(Object.values(undetermined).flat().length);
    const determined = [...r.params[name]!.keys()].find((i) => !indices.includes(i))!;
    r.params[name]![determined]! += 0.01;
    c = compareOnnxTraining(f, r);
    expect(c.pass).toBe(false);
    expect(c.params.name).toBe(name);
  });

  it('reports a missing gradient, a gradient of a frozen parameter and a frozen parameter that moved', () => {
    const r = echo(f);
    const [first] = Object.keys(r.gradients.grads);
    delete r.gradients.grads[first!];
    r.gradients.grads['frozen.weight'] = new Float32Array(1);
    r.changedFrozen = ['frozen.weight'];
    const c = compareOnnxTraining(f, r);
    expect(c.pass).toBe(false);
    expect(c.problems).toEqual([
      `gradient of ${first} is missing`,
      'gradient of frozen.weight was not expected (a frozen or unknown parameter)',
      'frozen parameter frozen.weight changed',
    ]);
  });
});
