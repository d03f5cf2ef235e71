import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** This package's folder: children run from here so that `tsx` and the workspace packages resolve. */
export const PACKAGE_DIR = join(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * Starts `node` on a TypeScript file of this package (through tsx, resolving
 * workspace packages to their sources as the tests do).
 */
export function spawnTs(script: string, args: string[] = [], nodeArgs: string[] = []): ChildProcess {
  return spawn(process.execPath, [...nodeArgs, '--conditions=@adamw/source', '--import', 'tsx', join(PACKAGE_DIR, script), ...args], {
    cwd: PACKAGE_DIR,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Runs a TypeScript file of this package to completion and returns its exit code and output. */
export function runTs(script: string, args: string[] = [], nodeArgs: string[] = []): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawnTs(script, args, nodeArgs);
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
