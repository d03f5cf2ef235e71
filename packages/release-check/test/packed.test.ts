import { describe, expect, it } from 'vitest';
import { attwTarball, publintTarball } from '../src/lint.js';
import { readFromTarball } from '../src/pack.js';
import { PUBLIC_PACKAGES, readManifest, type Manifest } from '../src/workspace.js';
import { packedOrThrow } from './packed.js';

describe.each(PUBLIC_PACKAGES)('$name, packed', (pkg) => {
  it('builds and packs', () => {
    const packed = packedOrThrow(pkg.name);
    expect(packed.name).toBe(pkg.name);
    expect(packed.version).toBe(readManifest(pkg.dir).version);
  });

  it('ships ESM, CommonJS, both declaration files, the README and the license, and nothing else of note', () => {
    const { files } = packedOrThrow(pkg.name);
    for (const f of ['dist/index.js', 'dist/index.cjs', 'dist/index.d.ts', 'dist/index.d.cts', 'README.md', 'package.json']) {
      expect(files, f).toContain(f);
    }
    expect(
      files.some((f) => /^(LICENSE|LICENCE)(\.md|\.txt)?$/i.test(f)),
      'a LICENSE file in the package folder (npm does not take the root one)',
    ).toBe(true);
    const stray = files.filter((f) => /(^|\/)(test|tests|__tests__|node_modules|\.scratch|bench)\/|\.test\.|tsconfig|vitest\.config|tsup\.config/.test(f));
    expect(stray).toEqual([]);
  });

  it('ships every file its exports map points at (every entry, both formats)', () => {
    const { files } = packedOrThrow(pkg.name);
    const targets = (x: unknown): string[] => (typeof x === 'string' ? [x] : x !== null && typeof x === 'object' ? Object.values(x).flatMap(targets) : []);
    const exported = targets(readManifest(pkg.dir).exports).map((t) => t.replace(/^\.\//, ''));
    expect(exported.length).toBeGreaterThan(4);
    expect(exported.filter((f) => !files.includes(f))).toEqual([]);
  });

  it('replaces workspace: ranges with real versions in the packed package.json', async () => {
    const packed = packedOrThrow(pkg.name);
    const text = await readFromTarball(packed, 'package.json');
    expect(text).not.toMatch(/workspace:/);
    const manifest = JSON.parse(text) as Manifest;
    if (pkg.role !== 'core') {
      const coreVersion = readManifest('packages/core').version!;
      expect(manifest.dependencies?.['@adamw/core']).toBe(`^${coreVersion}`);
    }
  });

  it('passes publint --strict', async () => {
    const messages = await publintTarball(packedOrThrow(pkg.name));
    expect(messages, messages.join('\n')).toEqual([]);
  });

  it('passes are-the-types-wrong (node10, node16 CJS and ESM, bundler)', async () => {
    const problems = await attwTarball(packedOrThrow(pkg.name));
    expect(problems, problems.join('\n')).toEqual([]);
  });
});
