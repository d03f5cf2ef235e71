import { browserTfjsAdapter } from './tfjs-mlp/browser-adapter';

/**
 * `@adamw/tfjs` on tfjs's WebGPU backend in Debian's headless Chromium
 * (SwiftShader's Vulkan adapter). See `tfjs-mlp/browser-adapter.ts`.
 */
export const adapter = browserTfjsAdapter('webgpu');
