import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { TrajectoryAdapter } from '../../adapters';
import { bundleForBrowser, withPage, type Bundle, type PageSession, type SiteFiles } from '../../browser/index';
import type { Dtype } from '../../fixtures';
import type { api as PageApi, OrtWebProvider, RunSetup, RuntimeInfo } from './page';
import { fromPlain } from './transport';

const ENTRY = fileURLToPath(new URL('./page.ts', import.meta.url));

/** Where the page asks for ONNX Runtime's files: `ort.env.wasm.wasmPaths`. */
const WASM_PATHS = '/ort/';

/** The default onnxruntime-web build's WebAssembly binary and its loader, which the page fetches at run time. */
const ORT_FILES = ['ort-wasm-simd-threaded.jsep.wasm', 'ort-wasm-simd-threaded.jsep.mjs'];

let ortFiles: SiteFiles | undefined;

/** onnxruntime-web's files, served under {@link WASM_PATHS} as an application serves `node_modules/onnxruntime-web/dist`. */
function ortSiteFiles(): SiteFiles {
  if (ortFiles === undefined) {
    const require = createRequire(import.meta.url);
    ortFiles = Object.fromEntries(ORT_FILES.map((f) => [`${WASM_PATHS}${f}`, new Uint8Array(readFileSync(require.resolve(`onnxruntime-web/${f}`)))]));
  }
  return ortFiles;
}

type Session = PageSession<typeof PageApi>;

/**
 * A trajectory adapter that runs the ONNX Runtime runners of `../../ort/`
 * with onnxruntime-web in Debian's headless Chromium, on the wasm or the
 * WebGPU execution provider: `@adamw/onnxruntime` and onnxruntime-web
 * bundled with esbuild as an application bundles them, ORT's WebAssembly
 * files served next to the page, one fresh page per fixture.
 *
 * `computeDtype`: the wasm provider has double kernels for every operator
 * the float64 fixtures use, so they keep the float64 tolerance there. WebGPU
 * has no float64; ONNX Runtime places double nodes on its CPU kernels
 * instead, so the WebGPU variant is held to the float32 tolerance.
 */
export function browserOrtAdapter(provider: OrtWebProvider): TrajectoryAdapter & { computeDtype?: Dtype } {
  let bundle: Promise<Bundle> | undefined;
  const setup: RunSetup = { wasmPaths: WASM_PATHS, provider };
  const inPage = async <T>(title: string, use: (page: Session) => Promise<T & { runtime: RuntimeInfo }>): Promise<T> => {
    bundle ??= bundleForBrowser(ENTRY);
    bundle.catch(() => (bundle = undefined));
    return withPage<typeof PageApi, T>(
      { entry: await bundle, files: ortSiteFiles(), graphics: provider === 'webgpu' ? 'webgpu' : 'none', title },
      async (page) => {
        if (provider === 'webgpu') {
          const { webgpu } = await page.graphics();
          if (!webgpu.available) throw new Error(`Chromium here has no WebGPU adapter: ${webgpu.reason}`);
        }
        const result = await use(page);
        if (provider === 'webgpu' && !result.runtime.webgpuDevice) throw new Error('onnxruntime-web created no WebGPU device: the run was not on WebGPU');
        return result;
      },
    );
  };
  return {
    name: provider === 'wasm' ? 'onnxruntime-web' : `onnxruntime-web-${provider}`,
    ...(provider === 'webgpu' ? { computeDtype: 'float32' as const } : {}),
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
