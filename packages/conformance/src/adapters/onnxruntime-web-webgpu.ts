import { browserOrtAdapter } from './ort-web/browser-adapter';

/**
 * `@adamw/onnxruntime` on onnxruntime-web's WebGPU execution provider in
 * Debian's headless Chromium (SwiftShader's Vulkan adapter). See
 * `ort-web/browser-adapter.ts`.
 */
export const adapter = browserOrtAdapter('webgpu');
