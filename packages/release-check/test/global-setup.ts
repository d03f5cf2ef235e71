import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { buildPackage, packPackage, type PackedPackage } from '../src/pack.js';
import { PUBLIC_PACKAGES } from '../src/workspace.js';

/** Per package: the packed tarball, or why building or packing failed. */
export type PackResults = Record<string, { packed: PackedPackage } | { error: string }>;

declare module 'vitest' {
  export interface ProvidedContext {
    packResults: PackResults;
    workDir: string;
  }
}

/**
 * Builds every public package with its own build script (core first: the
 * others import its types), packs each into one temporary folder, and hands
 * the tarballs to the test files. A package that fails to build is recorded,
 * not thrown, so its own tests fail with the reason and the others still run.
 */
export default async function setup(project: TestProject): Promise<() => void> {
  const workDir = mkdtempSync(join(tmpdir(), 'adamw-release-check-'));
  const results: PackResults = {};
  const buildAndPack = async (pkg: (typeof PUBLIC_PACKAGES)[number]): Promise<void> => {
    try {
      // scripts/release.mjs builds with turbo just before running these checks.
      if (process.env.ADAMW_RELEASE_PREBUILT !== '1') await buildPackage(pkg);
      results[pkg.name] = { packed: await packPackage(pkg, join(workDir, 'tarballs')) };
    } catch (error) {
      const e = error as { message?: string; stdout?: string; stderr?: string };
      results[pkg.name] = { error: [e.message, e.stdout, e.stderr].filter(Boolean).join('\n').slice(-4000) };
    }
  };
  const [core, ...others] = PUBLIC_PACKAGES;
  await buildAndPack(core!);
  await Promise.all(others.map(buildAndPack));
  project.provide('packResults', results);
  project.provide('workDir', workDir);
  return () => {
    if (!process.env.ADAMW_KEEP_RELEASE_CHECK) rmSync(workDir, { recursive: true, force: true });
  };
}
