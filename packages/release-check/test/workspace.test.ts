import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkChangesetConfig, pendingReleases, readWorkspaceBuildPolicy } from '../src/changesets.js';
import { PUBLIC_PACKAGES, ROOT, readManifest } from '../src/workspace.js';

describe('changesets', () => {
  it('publishes with public access and never versions private packages', () => {
    expect(checkChangesetConfig()).toEqual([]);
  });

  it('documents the versioning policy in .changeset/README.md', () => {
    const text = readFileSync(join(ROOT, '.changeset', 'README.md'), 'utf8');
    expect(text).toMatch(/pnpm changeset/);
    expect(text).toMatch(/minor/);
    expect(text).toMatch(/patch/);
    for (const pkg of PUBLIC_PACKAGES) expect(text).toContain(pkg.name);
  });

  it('pending changesets name only public packages', async () => {
    const names = [...(await pendingReleases())];
    const publicNames = PUBLIC_PACKAGES.map((p) => p.name);
    expect(names.filter((n) => !publicNames.includes(n))).toEqual([]);
  });
});

describe('root scripts', () => {
  const scripts = readManifest(ROOT).scripts ?? {};
  it('has changeset, version-packages, release and release:check', () => {
    expect(scripts.changeset).toBe('changeset');
    expect(scripts['version-packages']).toBe('changeset version');
    expect(scripts.release).toBe('node scripts/release.mjs');
    expect(scripts['release:check']).toMatch(/release-check/);
  });
});

describe('pnpm-workspace.yaml', () => {
  const policy = readWorkspaceBuildPolicy();
  it("lists onnxruntime-node's install script as ignored and never as allowed", () => {
    expect(policy.ignoredBuiltDependencies).toContain('onnxruntime-node');
    expect(policy.onlyBuiltDependencies).not.toContain('onnxruntime-node');
  });

  it('fails the install when a new dependency wants to run a build script (strictDepBuilds)', () => {
    expect(policy.strictDepBuilds).toBe(true);
  });
});
