import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** apps/docs, the repository root, and the built site. */
export const APP = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const REPO = resolve(APP, '..', '..');
export const DIST = join(APP, '.vitepress', 'dist');

/** Everything the built site is made from. */
const INPUTS = [
  join(REPO, 'docs'),
  join(APP, '.vitepress'),
  join(APP, 'src'),
  join(APP, 'examples'),
  join(APP, 'typedoc.config.mjs'),
  join(REPO, '.changeset'),
  ...['core', 'trainer', 'tfjs', 'onnxruntime'].map((p) => join(REPO, 'packages', p, 'src')),
];
/** Outputs and generated files inside those folders. */
const SKIP = [DIST, join(APP, '.vitepress', 'cache'), join(REPO, 'docs', 'api')];

function newestMtime(path: string): number {
  if (!existsSync(path) || SKIP.includes(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return readdirSync(path).reduce((newest, name) => Math.max(newest, newestMtime(join(path, name))), stat.mtimeMs);
}

interface BuildInfo {
  draft: boolean;
  missing: string[];
}

/**
 * Why the existing build cannot be reused, or undefined when it can: it must
 * exist, be newer than every input, and be a complete (non-draft) build
 * unless a draft is asked for.
 */
export function staleBuildReason(wantDraft: boolean): string | undefined {
  const infoFile = join(DIST, 'build-info.json');
  if (!existsSync(infoFile)) return 'no build yet';
  const info = JSON.parse(readFileSync(infoFile, 'utf8')) as BuildInfo;
  if (info.draft && !wantDraft) return 'the existing build is a draft';
  const built = statSync(infoFile).mtimeMs;
  const changed = INPUTS.find((input) => newestMtime(input) > built);
  return changed === undefined ? undefined : `${changed} changed since the last build`;
}

/**
 * Builds the site (`pnpm run build` in apps/docs) unless a fresh build exists. Returns what it did.
 * The build runs asynchronously so that the test worker keeps answering vitest while it waits.
 */
export async function ensureBuilt(): Promise<string> {
  const wantDraft = process.env.ADAMW_DOCS_DRAFT === '1';
  const reason = staleBuildReason(wantDraft);
  if (reason === undefined) return 'reused the existing build';
  const start = performance.now();
  const result = await new Promise<{ status: number | null; output: string }>((resolve, reject) => {
    const child = spawn('pnpm', ['run', 'build'], { cwd: APP, env: process.env });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, output }));
  });
  if (result.status !== 0) {
    const output = result.output.trim().split('\n').slice(-40).join('\n');
    throw new Error(`building the docs failed (${reason}):\n${output}`);
  }
  return `built in ${((performance.now() - start) / 1000).toFixed(1)} s (${reason})`;
}
