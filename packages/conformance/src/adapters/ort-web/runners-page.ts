// The page side of the onnxruntime-web adapters: the ONNX Runtime runners of
// ../../ort/, run with the onnxruntime-web build the entry imported
// (page-wasm.ts, page-webgpu.ts) on the execution provider asked for; its
// WebAssembly binary is fetched from `wasmPaths`.
import type * as OrtWeb from 'onnxruntime-web';
import { expose } from '../../browser/in-page';
import type { TrajectoryFixture } from '../../fixtures';
import { runOnnxTrainingOnOrt } from '../../ort/onnx-training';
import { runTrajectoryOnOrt } from '../../ort/trajectory';
import type { OnnxTrainingFixture } from '../../read/onnx-training';
import { toPlain } from './transport';

/** The execution providers the adapters run on. */
export type OrtWebProvider = 'wasm' | 'webgpu';

/** Where the page finds ONNX Runtime's WebAssembly files, and on which provider it trains. */
export interface RunSetup {
  wasmPaths: string;
  provider: OrtWebProvider;
}

/** What the page reports besides the results: the runtime it really ran. */
export interface RuntimeInfo {
  version: string;
  /** Whether ONNX Runtime created a WebGPU device (only when the provider is 'webgpu'). */
  webgpuDevice: boolean;
}

type Ort = typeof OrtWeb;

function setUp(ort: Ort, { wasmPaths }: RunSetup): void {
  ort.env.wasm.wasmPaths = wasmPaths;
  // One thread, as torch made the fixtures (threads would also need a cross-origin isolated page).
  ort.env.wasm.numThreads = 1;
}

function sessionOptions({ provider }: RunSetup) {
  // With WebGPU, ONNX Runtime warns on every session that some nodes run on its CPU kernels (the integer
  // label and shape operators of a loss); errors only, so that the run's output stays one line per fixture.
  return { executionProviders: [provider], intraOpNumThreads: 1, interOpNumThreads: 1, ...(provider === 'webgpu' ? { logSeverityLevel: 3 as const } : {}) };
}

async function runtimeInfo(ort: Ort, { provider }: RunSetup): Promise<RuntimeInfo> {
  const device = provider === 'webgpu' ? await (ort.env.webgpu as { device?: unknown }).device : undefined;
  return { version: ort.env.versions.web ?? '', webgpuDevice: device !== undefined && device !== null };
}

/** Exposes the runners on `ort`, the onnxruntime-web build the entry imported. */
export function exposeRunners(ort: Ort) {
  return expose({
    trajectory: async ({ setup, fixture }: { setup: RunSetup; fixture: TrajectoryFixture }) => {
      setUp(ort, setup);
      const r = await runTrajectoryOnOrt(fixture, { ort, sessionOptions: sessionOptions(setup) });
      return { losses: r.losses, params: toPlain(r.params), runtime: await runtimeInfo(ort, setup) };
    },
    onnxTraining: async ({ setup, fixture }: { setup: RunSetup; fixture: OnnxTrainingFixture }) => {
      setUp(ort, setup);
      const r = await runOnnxTrainingOnOrt(fixture, { ort, sessionOptions: sessionOptions(setup) });
      return {
        gradients: { loss: r.gradients.loss, grads: toPlain(r.gradients.grads) },
        losses: r.losses,
        params: toPlain(r.params),
        ...(r.buffers ? { buffers: toPlain(r.buffers) } : {}),
        ...(r.changedFrozen ? { changedFrozen: r.changedFrozen } : {}),
        runtime: await runtimeInfo(ort, setup),
      };
    },
  });
}
