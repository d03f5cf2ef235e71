import { execFile } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ROOT, type PublicPackage } from './workspace.js';

const run = promisify(execFile);

/** What `pnpm pack` produced for one package. */
export interface PackedPackage {
  name: string;
  version: string;
  /** Absolute path of the .tgz. */
  tarball: string;
  /** Paths inside the package (without the `package/` prefix). */
  files: string[];
  /** Size of the .tgz in bytes. */
  packedSize: number;
  /** Sum of the sizes of the packed files, as they are in the package folder. */
  unpackedSize: number;
}

/** Runs the package's own `build` script (tsup: ESM, CommonJS and declarations). */
export async function buildPackage(pkg: PublicPackage): Promise<void> {
  await run('pnpm', ['--filter', pkg.name, 'run', 'build'], { cwd: ROOT, maxBuffer: 64 << 20 });
}

/**
 * Packs a package with `pnpm pack`, as `changeset publish` will (pnpm rewrites
 * `workspace:` ranges to real versions), into `destination`.
 */
export async function packPackage(pkg: PublicPackage, destination: string): Promise<PackedPackage> {
  const { stdout } = await run('pnpm', ['pack', '--json', '--pack-destination', destination], {
    cwd: join(ROOT, pkg.dir),
    maxBuffer: 64 << 20,
  });
  const result = JSON.parse(stdout) as { name: string; version: string; filename: string; files: { path: string }[] };
  const files = result.files.map((f) => f.path).sort();
  const unpackedSize = files.reduce((sum, f) => sum + statSync(join(ROOT, pkg.dir, f)).size, 0);
  return {
    name: result.name,
    version: result.version,
    tarball: result.filename,
    files,
    packedSize: statSync(result.filename).size,
    unpackedSize,
  };
}

/** The tarball's bytes, as publint's API wants them. */
export function tarballBytes(packed: PackedPackage): ArrayBuffer {
  const buf = readFileSync(packed.tarball);
  return buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer;
}

/** Formats a byte count as `12.3 kB`. */
export function formatBytes(n: number): string {
  return n < 1000 ? `${n} B` : n < 1e6 ? `${(n / 1000).toFixed(1)} kB` : `${(n / 1e6).toFixed(2)} MB`;
}

/** Reads one file out of a packed tarball (with the system's `tar`). */
export async function readFromTarball(packed: PackedPackage, path: string): Promise<string> {
  const { stdout } = await run('tar', ['-xOzf', packed.tarball, `package/${path}`], { maxBuffer: 64 << 20 });
  return stdout;
}
