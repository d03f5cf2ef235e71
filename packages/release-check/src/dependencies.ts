import semver from 'semver';
import type { Problem } from './manifest.js';
import type { Manifest, PublicPackage } from './workspace.js';

/**
 * Packages that belong to an ML framework: an adapter takes these as peers so
 * the user's single copy is used (tfjs keeps its serialization registry per
 * copy; onnxruntime-node ships native binaries).
 */
export const FRAMEWORK_PATTERN = /^(@tensorflow\/|onnxruntime-)/;

/**
 * The dependency policy:
 * - `@adamw/core` has no dependencies and no peers;
 * - `@adamw/trainer` depends on `@adamw/core` only;
 * - an adapter depends on `@adamw/core` (a regular dependency, `workspace:^`,
 *   so a core minor release bumps the adapter by a patch, not to 1.0.0) and
 *   takes its framework as a peer dependency whose range the tested version
 *   (the devDependency) satisfies; no framework package among its
 *   dependencies.
 */
export function checkDependencyPolicy(pkg: PublicPackage, m: Manifest): Problem[] {
  const problems: Problem[] = [];
  const fail = (field: string, message: string): void => {
    problems.push({ field, message });
  };
  const deps = m.dependencies ?? {};
  const peers = m.peerDependencies ?? {};
  const optional = m.optionalDependencies ?? {};
  if (Object.keys(optional).length > 0) fail('optionalDependencies', `none expected, got ${Object.keys(optional).join(', ')}`);

  for (const [name, range] of Object.entries(deps)) {
    if (name.startsWith('@adamw/') && name !== '@adamw/core')
      fail('dependencies', `${name}: a public package depends on @adamw/core only, never on another adapter`);
    if (name.startsWith('@adamw/') && range !== 'workspace:^')
      fail('dependencies', `${name} should be "workspace:^" (published as ^<version>), got "${range}"`);
    if (FRAMEWORK_PATTERN.test(name)) fail('dependencies', `${name} is a framework package: make it a peer dependency`);
  }
  if ('@adamw/core' in peers)
    fail('peerDependencies', '@adamw/core must be a regular dependency, not a peer (a peer on a 0.x core makes changesets bump the adapter to 1.0.0)');

  switch (pkg.role) {
    case 'core':
      if (Object.keys(deps).length > 0) fail('dependencies', `core has no dependencies, got ${Object.keys(deps).join(', ')}`);
      if (Object.keys(peers).length > 0) fail('peerDependencies', `core has no peer dependencies, got ${Object.keys(peers).join(', ')}`);
      break;
    case 'trainer': {
      const names = Object.keys(deps);
      if (names.length !== 1 || names[0] !== '@adamw/core') fail('dependencies', `the trainer depends on @adamw/core only, got [${names.join(', ')}]`);
      if (Object.keys(peers).length > 0) fail('peerDependencies', `the trainer has no peer dependencies, got ${Object.keys(peers).join(', ')}`);
      break;
    }
    case 'adapter': {
      if (deps['@adamw/core'] === undefined) fail('dependencies', 'an adapter depends on @adamw/core ("workspace:^")');
      for (const peer of pkg.frameworkPeers) {
        const range = peers[peer];
        if (range === undefined) {
          fail('peerDependencies', `${peer} must be a peer dependency`);
          continue;
        }
        if (semver.validRange(range) === null) {
          fail('peerDependencies', `${peer}: "${range}" is not a version range`);
          continue;
        }
        if (m.peerDependenciesMeta?.[peer]?.optional) fail('peerDependenciesMeta', `${peer} is the adapter's framework: it cannot be optional`);
        const tested = m.devDependencies?.[peer];
        if (tested === undefined) {
          fail('devDependencies', `${peer} should be a devDependency at the version the tests run against`);
        } else if (semver.valid(tested) !== null && !semver.satisfies(tested, range)) {
          fail('peerDependencies', `${peer}: the tested version ${tested} is outside the peer range "${range}"`);
        }
      }
      for (const peer of Object.keys(peers)) {
        if (!pkg.frameworkPeers.includes(peer) && !FRAMEWORK_PATTERN.test(peer)) fail('peerDependencies', `unexpected peer ${peer}`);
      }
      break;
    }
  }
  return problems;
}
