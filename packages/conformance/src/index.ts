/**
 * `@adamw/conformance`: PyTorch fixtures and the runner that checks every
 * implementation against them.
 */
export * from './fixtures';
export * from './compare';
export * from './core-runner';
export * from './adapters';
export { main as runConformanceCli, type CliIO } from './cli';
