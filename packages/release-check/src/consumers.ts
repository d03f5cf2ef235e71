import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import semver from 'semver';
import { readManifest, type PublicPackage } from './workspace.js';

/**
 * Optional peers a consumer of the package installs anyway, because the
 * smoke scripts use them: both ONNX Runtimes for `@adamw/onnxruntime`.
 */
const SMOKE_OPTIONAL_PEERS: Readonly<Record<string, readonly string[]>> = {
  '@adamw/onnxruntime': ['onnxruntime-node', 'onnxruntime-web'],
};

/**
 * Registry packages a user of `pkg` installs next to it: its peer
 * dependencies (at the version this repository tests with, when that version
 * is in the peer range; optional ones only where the smoke scripts use them)
 * and, for tfjs, a backend to run on and tfjs-layers (which registers the
 * gradients `minimize` needs).
 */
export function consumerExtras(pkg: PublicPackage): Record<string, string> {
  const manifest = readManifest(pkg.dir);
  const extras: Record<string, string> = {};
  for (const [peer, range] of Object.entries(manifest.peerDependencies ?? {})) {
    if (manifest.peerDependenciesMeta?.[peer]?.optional && !SMOKE_OPTIONAL_PEERS[pkg.name]?.includes(peer)) continue;
    const tested = manifest.devDependencies?.[peer];
    extras[peer] = tested && semver.valid(tested) && semver.satisfies(tested, range) ? tested : range;
  }
  if (pkg.name === '@adamw/tfjs') {
    // tfjs-core has no backend of its own (the pure-JS cpu backend needs no native
    // code) and registers no gradients (tfjs-layers does), as the README says.
    const version = extras['@tensorflow/tfjs-core'] ?? '4.22.0';
    extras['@tensorflow/tfjs-backend-cpu'] = version;
    extras['@tensorflow/tfjs-layers'] = version;
  }
  return extras;
}

/**
 * The npm dependencies of a consumer project for `pkg`: the local tarballs of
 * the package and of `@adamw/core` (not yet on the registry, so installed
 * from its tarball together with the adapter) plus {@link consumerExtras}.
 */
export function consumerDependencies(pkg: PublicPackage, tarballs: Record<string, string>): Record<string, string> {
  const deps: Record<string, string> = { [pkg.name]: `file:${tarballs[pkg.name]}` };
  if (pkg.role !== 'core') deps['@adamw/core'] = `file:${tarballs['@adamw/core']}`;
  return { ...deps, ...consumerExtras(pkg) };
}

/** The folder that holds the smoke scripts of `pkg` (`esm.mjs` and `cjs.cjs`). */
export function smokeDir(pkg: PublicPackage): string {
  return join(dirname(fileURLToPath(import.meta.url)), '..', 'smoke', pkg.name.split('/')[1]!);
}
