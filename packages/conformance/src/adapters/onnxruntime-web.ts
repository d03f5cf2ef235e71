import { browserOrtAdapter } from './ort-web/browser-adapter';

/**
 * `@adamw/onnxruntime` on onnxruntime-web's wasm execution provider in
 * Debian's headless Chromium, one thread. See `ort-web/browser-adapter.ts`.
 */
export const adapter = browserOrtAdapter('wasm');
