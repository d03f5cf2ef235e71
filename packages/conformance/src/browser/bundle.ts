import { build, type BuildOptions } from 'esbuild';

/** Options of {@link bundleForBrowser}. */
export interface BundleOptions {
  /**
   * Package export conditions to resolve with, before esbuild's browser
   * defaults. Default `['@adamw/source']`: the workspace packages from their
   * TypeScript sources, every other package as a browser application gets it.
   */
  conditions?: readonly string[];
  /** Compile-time constants (esbuild `define`), for example feature switches of the entry. */
  define?: Readonly<Record<string, string>>;
  /** Anything else for esbuild, applied last. */
  esbuild?: Readonly<BuildOptions>;
}

/** One bundled entry. */
export interface Bundle {
  /** The entry it was built from. */
  entry: string;
  /** The ES module, with its source map inline. */
  code: string;
}

/**
 * Bundles `entry` the way an application bundles for the browser: one ES
 * module for the `browser` platform (package `browser` fields and export
 * conditions honoured, Node built-ins refused), `process.env.NODE_ENV` set to
 * `production`, with an inline source map so that stack traces from the page
 * name the source files.
 */
export async function bundleForBrowser(entry: string, options: BundleOptions = {}): Promise<Bundle> {
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    target: 'chrome120',
    outfile: 'bundle.js',
    sourcemap: 'inline',
    conditions: [...(options.conditions ?? ['@adamw/source'])],
    define: { 'process.env.NODE_ENV': '"production"', ...options.define },
    logLevel: 'silent',
    ...options.esbuild,
  });
  const output = result.outputFiles?.find((f) => f.path.endsWith('.js'));
  if (output === undefined) throw new Error(`bundling ${entry} produced no JavaScript`);
  return { entry, code: output.text };
}
