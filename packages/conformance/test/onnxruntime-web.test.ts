import * as ortWeb from 'onnxruntime-web';
import { beforeAll, describe, expect, it } from 'vitest';
import { compareTrajectory } from '../src/adapters';
import { adapter as webAdapter } from '../src/adapters/onnxruntime-web';
import { adapter as webgpuAdapter } from '../src/adapters/onnxruntime-web-webgpu';
import { WASM_GRADIENT_TOLERANCE } from '../src/adapters/ort-web/browser-adapter';
import { formatDeviation } from '../src/compare';
import { compareOnnxTraining, onnxTrainingLine } from '../src/compare-training';
import { fixtureNameOf, listFixtures, loadOnnxTrainingFixture, loadTrajectoryFixture } from '../src/fixtures';
import { runOnnxTrainingOnOrt } from '../src/ort/onnx-training';
import { runTrajectoryOnOrt } from '../src/ort/trajectory';

// @adamw/onnxruntime with onnxruntime-web: in Node (its WebAssembly build,
// the wasm execution provider) on every fixture, and in Debian's headless
// Chromium through the conformance adapters on a few (the whole set runs in
// `pnpm conformance --adapter onnxruntime-web`).

const MINUTES = 60_000;
const trajectories = listFixtures('trajectory');
const onnxTraining = listFixtures('onnx-training');
// The wasm build's gradient bound (2e-4, measured and explained in browser-adapter.ts) holds in Node too.
const web = { ort: ortWeb, sessionOptions: { executionProviders: ['wasm'], intraOpNumThreads: 1, interOpNumThreads: 1 } };

beforeAll(() => {
  ortWeb.env.wasm.numThreads = 1;
});

describe('onnxruntime-web in Node', () => {
  it.each(trajectories.map((p) => [fixtureNameOf(p), p] as const))(
    '%s: within the tolerance of its dtype',
    async (name, path) => {
      const f = loadTrajectoryFixture(path);
      const c = compareTrajectory(f, await runTrajectoryOnOrt(f, web));
      console.log(`onnxruntime-web in Node, ${name}: loss ${formatDeviation(c.loss.maxRel)}, params ${formatDeviation(c.params.maxRel)}`);
      expect(c.problems).toEqual([]);
      expect(c.pass).toBe(true);
    },
    5 * MINUTES,
  );

  it.each(onnxTraining.map((p) => [fixtureNameOf(p), p] as const))(
    '%s: gradients, losses, parameters and running statistics within tolerance',
    async (name, path) => {
      const f = loadOnnxTrainingFixture(path);
      const c = compareOnnxTraining(f, await runOnnxTrainingOnOrt(f, web), WASM_GRADIENT_TOLERANCE);
      console.log(`onnxruntime-web in Node, ${name}: ${onnxTrainingLine(name, 'onnxruntime-web', c, '')}`);
      expect(c.problems).toEqual([]);
      expect(c.pass).toBe(true);
    },
    5 * MINUTES,
  );
});

describe('onnxruntime-web in Chromium (conformance adapters)', () => {
  const pick = (suffix: string) => trajectories.find((p) => p.endsWith(suffix))!;

  it(
    'the wasm provider: a float32 and a float64 trajectory within their tolerances, and a whole model',
    async () => {
      for (const path of [pick('iris-sigmoid-ce-amsgrad-f32.json.gz'), pick('regression-sigmoid-mse-amsgrad-f64.json.gz')]) {
        const f = loadTrajectoryFixture(path);
        const c = compareTrajectory(f, await webAdapter.run(f));
        console.log(`onnxruntime-web in Chromium, ${f.name}: loss ${formatDeviation(c.loss.maxRel)}, params ${formatDeviation(c.params.maxRel)}`);
        expect(c.pass, f.name).toBe(true);
      }
      const f = loadOnnxTrainingFixture(onnxTraining.find((p) => p.includes('embedding-bag'))!);
      const c = compareOnnxTraining(f, await webAdapter.runOnnxTraining!(f), webAdapter.gradientTolerance);
      expect(c.pass, f.name).toBe(true);
    },
    15 * MINUTES,
  );

  it(
    'the WebGPU provider (SwiftShader): a float32 trajectory within tolerance; float64 declared unsupported',
    async () => {
      const f = loadTrajectoryFixture(pick('iris-sigmoid-ce-amsgrad-f32.json.gz'));
      const c = compareTrajectory(f, await webgpuAdapter.run(f));
      console.log(`onnxruntime-web (webgpu) in Chromium, ${f.name}: loss ${formatDeviation(c.loss.maxRel)}, params ${formatDeviation(c.params.maxRel)}`);
      expect(c.pass).toBe(true);
      // WebGPU computes otherwise than the wasm kernels: a WebGPU run that silently fell back would agree with them exactly.
      const onWasm = await runTrajectoryOnOrt(f, web);
      const viaWebgpu = await webgpuAdapter.run(f);
      expect(Object.keys(onWasm.params).some((k) => onWasm.params[k]!.some((v, i) => v !== viaWebgpu.params[k]![i]))).toBe(true);
      expect(webgpuAdapter.unsupported?.float64).toMatch(/float64/);
    },
    15 * MINUTES,
  );
});
