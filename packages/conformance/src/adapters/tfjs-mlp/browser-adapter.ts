import { fileURLToPath } from 'node:url';
import type { TrajectoryAdapter } from '../../adapters';
import { bundleForBrowser, withPage, type Bundle } from '../../browser/index';
import type { Dtype } from '../../fixtures';
import type { TfFlags } from './page';
import type { api as PageApi } from './page-webgl';
import { planOf } from './plan';
import { toTrajectoryResult } from './result';

/** The GPU backends of tfjs that run in Chromium here. */
export type BrowserBackend = 'webgl' | 'webgpu';

const ENTRIES: Record<BrowserBackend, string> = {
  webgl: fileURLToPath(new URL('./page-webgl.ts', import.meta.url)),
  webgpu: fileURLToPath(new URL('./page-webgpu.ts', import.meta.url)),
};

/**
 * tfjs flags for every page of the run, as JSON in `ADAMW_TFJS_FLAGS`
 * (`'{"WEBGL_PACK": false}'`): for measuring where a backend's rounding comes from.
 */
function flagsFromEnvironment(): TfFlags {
  const text = process.env.ADAMW_TFJS_FLAGS;
  if (text === undefined || text === '') return {};
  const value = JSON.parse(text) as unknown;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new TypeError(`ADAMW_TFJS_FLAGS must be a JSON object, got ${text}`);
  return value as TfFlags;
}

/**
 * A trajectory adapter that runs `tfjs-mlp/train.ts` in Debian's headless
 * Chromium on tfjs's `backend`: bundled with tfjs-core, tfjs-layers,
 * `@tensorflow/tfjs-backend-<backend>` and `@adamw/tfjs` as an application
 * bundles them, one fresh page per fixture. Checks that the backend really
 * is the GPU one, that the optimizer took its tensor-ops path, and (WebGL)
 * that tfjs renders to float32 textures rather than half floats.
 */
export function browserTfjsAdapter(backend: BrowserBackend): TrajectoryAdapter & { computeDtype: Dtype } {
  let bundle: Promise<Bundle> | undefined;
  return {
    name: `tfjs-${backend}`,
    computeDtype: 'float32',
    async run(f) {
      bundle ??= bundleForBrowser(ENTRIES[backend]);
      bundle.catch(() => (bundle = undefined));
      const flags = flagsFromEnvironment();
      return withPage<typeof PageApi, ReturnType<typeof toTrajectoryResult>>(
        { entry: await bundle, graphics: backend === 'webgpu' ? 'webgpu' : 'webgl', title: `${f.name} on tfjs-${backend}` },
        async (page) => {
          if (backend === 'webgpu') {
            const { webgpu } = await page.graphics();
            if (!webgpu.available) throw new Error(`Chromium here has no WebGPU adapter: ${webgpu.reason}`);
          }
          const r = await page.call('train', { plan: planOf(f), flags });
          if (r.backend !== backend) throw new Error(`tfjs ran on '${r.backend}', not '${backend}'`);
          if (r.path !== 'ops') throw new Error(`AdamW took its '${r.path}' path on ${backend}; on a GPU backend it must stay on tensor ops`);
          if (backend === 'webgl' && r.flags.WEBGL_RENDER_FLOAT32_ENABLED !== true) {
            throw new Error('tfjs-webgl renders to half-float textures in this browser; float32 results cannot be compared');
          }
          return toTrajectoryResult(r);
        },
      );
    },
  };
}
