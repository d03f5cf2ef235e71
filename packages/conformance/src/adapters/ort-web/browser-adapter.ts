import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { TrajectoryAdapter } from '../../adapters';
import { bundleForBrowser, withPage, type Bundle, type PageSession, type SiteFiles } from '../../browser/index';
import type { api as PageApi } from './page-wasm';
import type { OrtWebProvider, RunSetup, RuntimeInfo } from './runners-page';
import { fromPlain } from './transport';

/**
 * The page entry of each provider: the build of onnxruntime-web a user
 * imports for it. The default build's WebGPU provider (the JavaScript-side
 * one) computes wrong results here (see the README), and ONNX Runtime's
 * documentation has WebGPU users import `onnxruntime-web/webgpu`.
 */
const ENTRIES: Record<OrtWebProvider, string> = {
  wasm: fileURLToPath(new URL('./page-wasm.ts', import.meta.url)),
  webgpu: fileURLToPath(new URL('./page-webgpu.ts', import.meta.url)),
};

/** Where the page asks for ONNX Runtime's files: `ort.env.wasm.wasmPaths`. */
const WASM_PATHS = '/ort/';

/** The WebAssembly binary (and its loader) each build fetches at run time. */
const ORT_FILES: Record<OrtWebProvider, string[]> = {
  wasm: ['ort-wasm-simd-threaded.jsep.wasm', 'ort-wasm-simd-threaded.jsep.mjs'],
  webgpu: ['ort-wasm-simd-threaded.asyncify.wasm', 'ort-wasm-simd-threaded.asyncify.mjs'],
};

/** onnxruntime-web's files, served under {@link WASM_PATHS} as an application serves `node_modules/onnxruntime-web/dist`. */
function ortSiteFiles(provider: OrtWebProvider): SiteFiles {
  const require = createRequire(import.meta.url);
  return Object.fromEntries(ORT_FILES[provider].map((f) => [`${WASM_PATHS}${f}`, new Uint8Array(readFileSync(require.resolve(`onnxruntime-web/${f}`)))]));
}

type Session = PageSession<typeof PageApi>;

/** Why the WebGPU variant skips float64 fixtures (what ONNX Runtime 1.30 answers for one). */
const FLOAT64_ON_WEBGPU =
  "onnxruntime-web/webgpu cannot run float64 models (WebGPU has no float64 and the build has no double CPU kernels: session creation fails with 'Provider type for Gemm node ... is not set'); float64 runs on the wasm provider (--adapter onnxruntime-web)";

/**
 * A trajectory adapter that runs the ONNX Runtime runners of `../../ort/`
 * with onnxruntime-web in Debian's headless Chromium, on the wasm execution
 * provider (`onnxruntime-web`) or the WebGPU one (`onnxruntime-web/webgpu`):
 * `@adamw/onnxruntime` and onnxruntime-web bundled with esbuild as an
 * application bundles them, ORT's WebAssembly files served next to the page,
 * one fresh page per fixture.
 *
 * Float64 fixtures keep the float64 tolerance on the wasm provider, which
 * has double kernels for every operator they use. WebGPU has no float64, and
 * onnxruntime-web's WebGPU build has no double kernels on its CPU side
 * either: it cannot create a session for a float64 model, so the WebGPU
 * variant skips those fixtures.
 */
/**
 * The wasm build's float32 kernels round the whole-model gradients less
 * tightly than onnxruntime-node's: the BatchNorm CNN's are 1.2e-4 from torch's
 * float32 gradients and 1.26e-4 from its float64 ones (onnxruntime-node: 3.6e-5
 * and 2.9e-5; torch float32 itself 5.5e-5 from float64), on `fc.weight`
 * elements with absolute differences of 8.7e-7; node by node the training
 * graph's values differ from onnxruntime-node's by at most 3.2e-6 of each
 * tensor's largest value. So these adapters hold gradients to 2e-4.
 */
export const WASM_GRADIENT_TOLERANCE = Object.freeze({ rel: 2e-4, why: "onnxruntime-web's wasm float32 kernels" });

export function browserOrtAdapter(provider: OrtWebProvider): TrajectoryAdapter {
  let bundle: Promise<Bundle> | undefined;
  let files: SiteFiles | undefined;
  const setup: RunSetup = { wasmPaths: WASM_PATHS, provider };
  const inPage = async <T>(title: string, use: (page: Session) => Promise<T & { runtime: RuntimeInfo }>): Promise<T> => {
    bundle ??= bundleForBrowser(ENTRIES[provider]);
    files ??= ortSiteFiles(provider);
    bundle.catch(() => (bundle = undefined));
    return withPage<typeof PageApi, T>({ entry: await bundle, files, graphics: provider === 'webgpu' ? 'webgpu' : 'none', title }, async (page) => {
      if (provider === 'webgpu') {
        const { webgpu } = await page.graphics();
        if (!webgpu.available) throw new Error(`Chromium here has no WebGPU adapter: ${webgpu.reason}`);
      }
      const result = await use(page);
      if (provider === 'webgpu' && !result.runtime.webgpuDevice) throw new Error('onnxruntime-web created no WebGPU device: the run was not on WebGPU');
      return result;
    });
  };
  return {
    name: provider === 'wasm' ? 'onnxruntime-web' : `onnxruntime-web-${provider}`,
    ...(provider === 'webgpu' ? { unsupported: { float64: FLOAT64_ON_WEBGPU } } : { gradientTolerance: WASM_GRADIENT_TOLERANCE }),
    run: (fixture) =>
      inPage(`${fixture.name} on onnxruntime-web (${provider})`, async (page) => {
        const r = await page.call('trajectory', { setup, fixture });
        return { losses: r.losses, params: fromPlain(r.params), runtime: r.runtime };
      }),
    runOnnxTraining: (fixture) =>
      inPage(`${fixture.name} on onnxruntime-web (${provider})`, async (page) => {
        const r = await page.call('onnxTraining', { setup, fixture });
        return {
          gradients: { loss: r.gradients.loss, grads: fromPlain(r.gradients.grads) },
          losses: r.losses,
          params: fromPlain(r.params),
          ...(r.buffers ? { buffers: fromPlain(r.buffers) } : {}),
          ...(r.changedFrozen ? { changedFrozen: r.changedFrozen } : {}),
          runtime: r.runtime,
        };
      }),
  };
}
