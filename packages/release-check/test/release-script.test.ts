import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { consumerEnv } from '../src/install.js';
import { PUBLIC_PACKAGES, ROOT, readManifest } from '../src/workspace.js';

const run = promisify(execFile);

/** Runs scripts/release.mjs with no npm credentials at all (an empty user config, no tokens). */
async function release(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const userconfig = join(mkdtempSync(join(tmpdir(), 'adamw-npmrc-')), 'npmrc');
  writeFileSync(userconfig, '');
  const env: NodeJS.ProcessEnv = { ...consumerEnv(), npm_config_userconfig: userconfig };
  delete env.NPM_TOKEN;
  delete env.NODE_AUTH_TOKEN;
  try {
    const { stdout, stderr } = await run(process.execPath, [join(ROOT, 'scripts', 'release.mjs'), ...args], { cwd: ROOT, env, maxBuffer: 64 << 20 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

describe('scripts/release.mjs', () => {
  it('rejects an unknown option with exit code 2 and the usage', async () => {
    const r = await release(['--dryrun']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown option --dryrun/);
    expect(r.stderr).toMatch(/usage: pnpm release/);
  });

  it('--dry-run builds, packs and lists every public package with its files and sizes, without credentials or publishing', async () => {
    const r = await release(['--dry-run', '--skip-checks']);
    expect(r.code, r.stderr).toBe(0);
    for (const pkg of PUBLIC_PACKAGES) {
      const version = readManifest(pkg.dir).version!;
      expect(r.stdout).toContain(`${pkg.name}@${version}`);
    }
    expect(r.stdout).toMatch(/tarball [\d.]+ kB, unpacked [\d.]+ kB, \d+ files/);
    expect(r.stdout).toMatch(/dist\/index\.cjs/);
    expect(r.stdout).toMatch(/nothing was published/);
    expect(r.stdout).not.toMatch(/changeset publish/);
  });
});
