/**
 * `@adamw/core/parallel`: AdamW steps on worker threads for large models
 * (Node only: it uses `node:worker_threads`). The main entry of
 * `@adamw/core` stays free of Node modules and runs in browsers.
 *
 * @packageDocumentation
 */
export { createParallelAdamW, type ParallelAdamW, type ParallelAdamWOptions } from './parallel-adamw.js';
export { initSharedAdamW, isShared, shareFloatArray } from './shared.js';
