import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { publint } from 'publint';
import { formatMessage } from 'publint/utils';
import { tarballBytes, type PackedPackage } from './pack.js';
import { ROOT } from './workspace.js';

const run = promisify(execFile);

/**
 * Lints the packed tarball with publint in strict mode (warnings count as
 * errors). Returns one readable line per message; empty when clean.
 */
export async function publintTarball(packed: PackedPackage): Promise<string[]> {
  const { messages, pkg } = await publint({ pack: { tarball: tarballBytes(packed) }, strict: true, level: 'warning' });
  return messages.map((m) => `${m.type}: ${formatMessage(m, pkg, { color: false }) ?? m.code}`);
}

/**
 * Runs are-the-types-wrong (`attw`, strict profile) on the tarball: the types
 * must resolve, and match the JavaScript's module format, under node10,
 * node16 (from CommonJS and from ESM) and bundler resolution. Returns the
 * problems found; empty when clean.
 */
export async function attwTarball(packed: PackedPackage): Promise<string[]> {
  const bin = join(ROOT, 'node_modules', '.bin', 'attw');
  let stdout: string;
  try {
    ({ stdout } = await run(bin, [packed.tarball, '--format', 'json', '--profile', 'strict'], { maxBuffer: 256 << 20 }));
  } catch (error) {
    // attw exits with 1 when it finds problems; the report is still on stdout.
    const out = (error as { stdout?: string }).stdout;
    if (!out) throw error;
    stdout = out;
  }
  const report = JSON.parse(stdout) as { problems?: Record<string, unknown> | unknown[] };
  const problems = report.problems ?? {};
  const list = Array.isArray(problems) ? problems : Object.values(problems).flat();
  return list.map((p) => {
    const { kind, entrypoint, resolutionKind } = p as { kind?: string; entrypoint?: string; resolutionKind?: string };
    return `${kind ?? 'problem'}${entrypoint ? ` at ${entrypoint}` : ''}${resolutionKind ? ` (${resolutionKind})` : ''}`;
  });
}
