import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { pendingReleases } from '../src/changesets.js';
import { checkDependencyPolicy } from '../src/dependencies.js';
import { checkManifest, checkPackageFiles, formatProblems } from '../src/manifest.js';
import { PUBLIC_PACKAGES, ROOT, publicPackage, readManifest, type Manifest } from '../src/workspace.js';

let pending: Set<string>;
beforeAll(async () => {
  pending = await pendingReleases();
});

describe.each(PUBLIC_PACKAGES)('$name', (pkg) => {
  it('has complete publishing metadata (exports with types, files, sideEffects, engines, license, repository)', () => {
    const problems = checkManifest(pkg, readManifest(pkg.dir));
    expect(problems, formatProblems(pkg.name, problems)).toEqual([]);
  });

  it('has a README with an install command and an example, and a changelog (or a pending changeset)', () => {
    const problems = checkPackageFiles(pkg, join(ROOT, pkg.dir), pending);
    expect(problems, formatProblems(pkg.name, problems)).toEqual([]);
  });

  it('follows the dependency policy', () => {
    const problems = checkDependencyPolicy(pkg, readManifest(pkg.dir));
    expect(problems, formatProblems(pkg.name, problems)).toEqual([]);
  });
});

// The checks above pass only if they can fail: broken manifests must be caught.
describe('the checks catch broken packages', () => {
  const core = publicPackage('@adamw/core');
  const tfjs = publicPackage('@adamw/tfjs');
  const good = (): Manifest => structuredClone(readManifest(core.dir));
  const fields = (m: Manifest, pkg = core): string[] => checkManifest(pkg, m).map((p) => p.field);

  it('accepts core as it is', () => {
    expect(fields(good())).toEqual([]);
  });

  it('flags each missing field', () => {
    for (const key of ['exports', 'files', 'sideEffects', 'engines', 'license', 'repository', 'type'] as const) {
      const m = good();
      delete m[key];
      expect(fields(m), key).toContain(key);
    }
  });

  it('flags exports without CommonJS, with types not first, or outside files', () => {
    const noRequire = good();
    delete (noRequire.exports as Record<string, Record<string, unknown>>)['.']!.require;
    expect(
      checkManifest(core, noRequire)
        .map((p) => p.message)
        .join(),
    ).toMatch(/require missing/);

    const typesLast = good();
    const imp = (typesLast.exports as Record<string, Record<string, Record<string, string>>>)['.']!.import!;
    (typesLast.exports as Record<string, Record<string, unknown>>)['.']!.import = { default: imp.default, types: imp.types };
    expect(
      checkManifest(core, typesLast)
        .map((p) => p.message)
        .join(),
    ).toMatch(/types must come first/);

    const unpublished = good();
    unpublished.files = ['src', 'README.md', 'CHANGELOG.md'];
    expect(
      checkManifest(core, unpublished)
        .map((p) => p.message)
        .join(),
    ).toMatch(/not covered by "files"/);
  });

  it('flags sideEffects: false on a package whose import registers something', () => {
    const m = readManifest(tfjs.dir);
    expect(checkManifest(tfjs, { ...m, sideEffects: false }).map((p) => p.field)).toContain('sideEffects');
    expect(checkManifest(tfjs, { ...m, sideEffects: ['./dist/index.js', './dist/index.cjs'] }).map((p) => p.field)).not.toContain('sideEffects');
  });

  it('flags engines that exclude Node 20 and side effects', () => {
    const m = good();
    m.engines = { node: '>=22' };
    m.sideEffects = true;
    expect(fields(m)).toEqual(['sideEffects', 'engines']);
  });

  it('flags a dependency on core, a framework bundled as a dependency, and a core peer', () => {
    const m: Manifest = {
      dependencies: { '@adamw/core': '^0.1.0', '@tensorflow/tfjs-core': '4.22.0' },
      peerDependencies: { '@adamw/core': '*' },
      devDependencies: { '@tensorflow/tfjs-core': '4.22.0' },
    };
    const messages = checkDependencyPolicy(tfjs, m)
      .map((p) => p.message)
      .join('\n');
    expect(messages).toMatch(/"workspace:\^"/);
    expect(messages).toMatch(/framework package: make it a peer/);
    expect(messages).toMatch(/regular dependency, not a peer/);
    expect(messages).toMatch(/@tensorflow\/tfjs-core must be a peer dependency/);
  });

  it('flags a peer range that excludes the tested framework version, and any dependency of core', () => {
    const tested: Manifest = {
      dependencies: { '@adamw/core': 'workspace:^' },
      peerDependencies: { '@tensorflow/tfjs-core': '^3.0.0' },
      devDependencies: { '@tensorflow/tfjs-core': '4.22.0' },
    };
    expect(
      checkDependencyPolicy(tfjs, tested)
        .map((p) => p.message)
        .join(),
    ).toMatch(/outside the peer range/);
    expect(checkDependencyPolicy(core, { dependencies: { 'left-pad': '1' } }).map((p) => p.field)).toEqual(['dependencies']);
  });

  it('flags a README without install command or example, and a missing changelog', () => {
    const problems = checkPackageFiles(core, join(ROOT, 'packages', 'release-check', 'test', 'fixtures', 'bare-package'), new Set());
    expect(problems.map((p) => p.field).sort()).toEqual(['CHANGELOG.md', 'README.md', 'README.md']);
  });
});
