import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import readChangesets from '@changesets/read';
import { parse } from 'yaml';
import type { Problem } from './manifest.js';
import { ROOT } from './workspace.js';

/** Names of the packages that pending changesets (`.changeset/*.md`) will release. */
export async function pendingReleases(root = ROOT): Promise<Set<string>> {
  const changesets = await readChangesets(root);
  return new Set(changesets.flatMap((c) => c.releases.map((r) => r.name)));
}

/**
 * Checks `.changeset/config.json`: packages publish with public access (a
 * scoped package is private on npm by default) and private packages are
 * neither versioned nor tagged.
 */
export function checkChangesetConfig(root = ROOT): Problem[] {
  const problems: Problem[] = [];
  const config = JSON.parse(readFileSync(join(root, '.changeset', 'config.json'), 'utf8')) as Record<string, unknown>;
  if (config.access !== 'public') problems.push({ field: 'access', message: `expected "public", got ${JSON.stringify(config.access)}` });
  const priv = config.privatePackages as { version?: boolean; tag?: boolean } | undefined;
  if (priv?.version !== false || priv?.tag !== false) {
    problems.push({ field: 'privatePackages', message: 'expected {version: false, tag: false}: private packages are never versioned' });
  }
  if (config.commit !== false) problems.push({ field: 'commit', message: 'changesets should not commit on its own' });
  return problems;
}

/** The dependency build-script settings of pnpm-workspace.yaml. */
export interface WorkspaceBuildPolicy {
  onlyBuiltDependencies: string[];
  ignoredBuiltDependencies: string[];
  strictDepBuilds: boolean;
}

/** Reads the build-script settings from pnpm-workspace.yaml. */
export function readWorkspaceBuildPolicy(root = ROOT): WorkspaceBuildPolicy {
  const doc = (parse(readFileSync(join(root, 'pnpm-workspace.yaml'), 'utf8')) ?? {}) as Record<string, unknown>;
  const list = (key: string): string[] => (Array.isArray(doc[key]) ? (doc[key] as unknown[]).map(String) : []);
  return {
    onlyBuiltDependencies: list('onlyBuiltDependencies'),
    ignoredBuiltDependencies: list('ignoredBuiltDependencies'),
    strictDepBuilds: doc.strictDepBuilds === true,
  };
}
