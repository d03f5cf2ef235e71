import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

/** The size of a bundle as a user's bundler would ship it. */
export interface BundleSize {
  /** Bytes after esbuild's minification. */
  minified: number;
  /** Bytes after gzip (level 9) of the minified bundle. */
  gzipped: number;
}

/**
 * The gzip budget of `@adamw/core`'s whole ESM entry (every export, the
 * embedded WebAssembly module included), bundled and minified with esbuild:
 * the step, the step protocol of every adapter, the checked codec, schedules.
 */
export const CORE_GZIP_BUDGET = 18_000;

/**
 * The gzip budget of what a bundler keeps of `@adamw/core` for the step alone
 * (`initAdamW` and `adamwStepInPlace`, the SIMD kernel included).
 */
export const CORE_STEP_GZIP_BUDGET = 10_000;

async function measure(options: Parameters<typeof build>[0]): Promise<BundleSize> {
  const result = await build({
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    logLevel: 'silent',
    ...options,
  });
  const bytes = result.outputFiles![0]!.contents;
  return { minified: bytes.length, gzipped: gzipSync(bytes, { level: 9 }).length };
}

/**
 * Bundles the ESM file `entry` with everything it imports and measures it.
 * Every export is kept, so this is the cost of the whole package.
 */
export function measureBundle(entry: string): Promise<BundleSize> {
  return measure({ entryPoints: [entry] });
}

/**
 * Measures what importing only `names` from the ESM file `entry` costs after
 * tree shaking (what a bundler keeps of a `sideEffects: false` package).
 */
export function measureImport(entry: string, names: readonly string[]): Promise<BundleSize> {
  return measure({
    stdin: { contents: `export { ${names.join(', ')} } from ${JSON.stringify(entry)};`, resolveDir: '/', loader: 'js' },
  });
}
