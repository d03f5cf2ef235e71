import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { appendFileSync, copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT as REPO_ROOT } from './workspace.js';

/** A change to one file and the task whose cache key it must change. */
export interface HashProbe {
  /** A file of the repository, relative to its root. */
  file: string;
  /** A turbo task id, e.g. `@adamw/tfjs#typecheck`. */
  task: string;
  /** Whether the edit must change the hash (false: a control, the task does not read the file). */
  changes: boolean;
}

/** The probes of this repository: each edit must change each task's hash, or a cached run could replay a stale result. */
export const HASH_PROBES: readonly HashProbe[] = [
  { file: 'packages/core/src/types.ts', task: '@adamw/tfjs#typecheck', changes: true },
  { file: 'packages/core/src/types.ts', task: '@adamw/conformance#typecheck', changes: true },
  { file: 'tsconfig.base.json', task: '@adamw/core#typecheck', changes: true },
  { file: 'docs/index.md', task: '@adamw/docs#build', changes: true },
  { file: 'packages/core/src/types.ts', task: '@adamw/docs#build', changes: true },
  { file: '.changeset/README.md', task: '@adamw/docs#build', changes: true },
  { file: 'docs/index.md', task: '@adamw/core#typecheck', changes: false },
  { file: 'apps/experiments/src/cli.ts', task: '@adamw/tfjs#typecheck', changes: false },
];

// Child processes run asynchronously so that the test worker's event loop keeps turning while turbo works.
const run = promisify(execFile);

/** Task hashes of a `turbo run --dry=json` in `cwd`. */
async function hashes(cwd: string, tasks: readonly string[]): Promise<Map<string, string>> {
  const turbo = join(REPO_ROOT, 'node_modules', '.bin', 'turbo');
  const names = [...new Set(tasks.map((t) => t.split('#')[1]!))];
  const { stdout: out } = await run(turbo, ['run', ...names, '--dry=json'], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, TURBO_TELEMETRY_DISABLED: '1', DO_NOT_TRACK: '1' },
    maxBuffer: 64 * 1024 * 1024,
  });
  const json = JSON.parse(out.slice(out.indexOf('{'))) as { tasks: { taskId: string; hash: string }[] };
  return new Map(json.tasks.map((t) => [t.taskId, t.hash]));
}

/**
 * For each probe, whether editing its file changes its task's turbo hash.
 * Works on a throwaway clone of the repository (with the working tree's
 * turbo.json), so the checkout itself is never touched.
 */
export async function probeTurboHashes(probes: readonly HashProbe[] = HASH_PROBES): Promise<{ probe: HashProbe; changed: boolean }[]> {
  const dir = mkdtempSync(join(tmpdir(), 'adamw-turbo-'));
  try {
    await run('git', ['clone', '--quiet', '--shared', REPO_ROOT, dir]);
    copyFileSync(join(REPO_ROOT, 'turbo.json'), join(dir, 'turbo.json'));
    const tasks = probes.map((p) => p.task);
    const before = await hashes(dir, tasks);
    const results: { probe: HashProbe; changed: boolean }[] = [];
    for (const file of [...new Set(probes.map((p) => p.file))]) {
      appendFileSync(join(dir, file), '\n');
      const after = await hashes(dir, tasks);
      await run('git', ['checkout', '--quiet', '--', file], { cwd: dir });
      for (const probe of probes.filter((p) => p.file === file)) {
        const a = before.get(probe.task);
        if (a === undefined) throw new Error(`turbo has no task ${probe.task}`);
        results.push({ probe, changed: after.get(probe.task) !== a });
      }
    }
    return results;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
