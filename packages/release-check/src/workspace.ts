import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The monorepo's root folder (the one with pnpm-workspace.yaml). */
export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/**
 * How a public package relates to the others, which decides the dependency
 * policy it must follow (see {@link checkDependencyPolicy}).
 */
export type PackageRole = 'core' | 'trainer' | 'adapter';

/** A package published to npm. */
export interface PublicPackage {
  /** The npm name. */
  name: string;
  /** Folder relative to the root. */
  dir: string;
  role: PackageRole;
  /** For adapters: the framework packages that must be peer dependencies. */
  frameworkPeers: string[];
  /**
   * Why importing the package has an effect, when it has one: such a package
   * must not declare `sideEffects: false`, or a bundler would drop a bare
   * `import 'pkg'` and the effect with it.
   */
  importEffect?: string;
}

/** Every package this repository publishes, core first (the order they build in). */
export const PUBLIC_PACKAGES: readonly PublicPackage[] = [
  { name: '@adamw/core', dir: 'packages/core', role: 'core', frameworkPeers: [] },
  { name: '@adamw/trainer', dir: 'packages/trainer', role: 'trainer', frameworkPeers: [] },
  {
    name: '@adamw/tfjs',
    dir: 'packages/tfjs',
    role: 'adapter',
    frameworkPeers: ['@tensorflow/tfjs-core'],
    importEffect: 'registers AdamW with tf.serialization so that tf.loadLayersModel can rebuild a saved optimizer',
  },
  // The main entry's types are onnxruntime-common's; the runtimes (onnxruntime-web, onnxruntime-node) are optional peers.
  { name: '@adamw/onnxruntime', dir: 'packages/onnxruntime', role: 'adapter', frameworkPeers: ['onnxruntime-common'] },
];

/** The fields of package.json this suite reads. */
export interface Manifest {
  name?: string;
  version?: string;
  private?: boolean;
  description?: string;
  type?: string;
  license?: string;
  sideEffects?: unknown;
  engines?: Record<string, string>;
  repository?: unknown;
  exports?: unknown;
  main?: string;
  module?: string;
  types?: string;
  files?: string[];
  bin?: unknown;
  scripts?: Record<string, string>;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  optionalDependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}

/** Reads and parses `<dir>/package.json` (dir relative to the root or absolute). */
export function readManifest(dir: string): Manifest {
  const file = join(dir.startsWith('/') ? dir : join(ROOT, dir), 'package.json');
  return JSON.parse(readFileSync(file, 'utf8')) as Manifest;
}

/** The public package called `name`; throws for any other name. */
export function publicPackage(name: string): PublicPackage {
  const found = PUBLIC_PACKAGES.find((p) => p.name === name);
  if (!found) throw new Error(`${name} is not a public package of this repository`);
  return found;
}
