import { browserTfjsAdapter } from './tfjs-mlp/browser-adapter';

/**
 * `@adamw/tfjs` on tfjs's WebGL backend in Debian's headless Chromium
 * (WebGL 2 through ANGLE on SwiftShader): the `tfjs` adapter's model and
 * training loop, bundled for the browser. See `tfjs-mlp/browser-adapter.ts`.
 */
export const adapter = browserTfjsAdapter('webgl');
