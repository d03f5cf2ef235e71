// `tsx src/cli.ts pack [--json]`: packs every public package as `changeset
// publish` would and prints what would be published. Used by
// `pnpm release --dry-run` (scripts/release.mjs).
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatBytes, packPackage, type PackedPackage } from './pack.js';
import { registryStatus, type RegistryStatus } from './registry.js';
import { PUBLIC_PACKAGES, ROOT } from './workspace.js';

const USAGE = 'usage: tsx src/cli.ts pack [--json]';

async function packAll(): Promise<{ packed: PackedPackage; status: RegistryStatus; sizes: Record<string, number> }[]> {
  const dir = mkdtempSync(join(tmpdir(), 'adamw-pack-'));
  try {
    return await Promise.all(
      PUBLIC_PACKAGES.map(async (pkg) => {
        const packed = await packPackage(pkg, dir);
        const sizes = Object.fromEntries(packed.files.map((f) => [f, statSync(join(ROOT, pkg.dir, f)).size]));
        return { packed, status: await registryStatus(packed.name, packed.version), sizes };
      }),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const STATUS_TEXT: Record<RegistryStatus, string> = {
  new: 'would be published',
  published: 'already on npm: skipped',
  unknown: 'registry not reachable: would be published unless already there',
};

async function main(argv: string[]): Promise<number> {
  const [command, ...flags] = argv;
  const unknown = flags.filter((f) => f !== '--json');
  if (command !== 'pack' || unknown.length > 0) {
    console.error(command !== 'pack' ? `unknown command ${JSON.stringify(command ?? '')}\n${USAGE}` : `unknown flag ${unknown[0]}\n${USAGE}`);
    return 2;
  }
  const results = await packAll();
  if (flags.includes('--json')) {
    console.log(
      JSON.stringify(
        results.map(({ packed, status, sizes }) => ({ ...packed, tarball: undefined, status, sizes })),
        null,
        2,
      ),
    );
    return 0;
  }
  for (const { packed, status, sizes } of results) {
    console.log(`\n${packed.name}@${packed.version}  (${STATUS_TEXT[status]})`);
    console.log(`  tarball ${formatBytes(packed.packedSize)}, unpacked ${formatBytes(packed.unpackedSize)}, ${packed.files.length} files`);
    for (const f of packed.files) console.log(`    ${formatBytes(sizes[f]!).padStart(9)}  ${f}`);
  }
  const total = results.reduce((sum, r) => sum + r.packed.packedSize, 0);
  console.log(
    `\n${results.filter((r) => r.status !== 'published').length} of ${results.length} packages would be published (${formatBytes(total)} of tarballs).`,
  );
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
