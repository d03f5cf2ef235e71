#!/usr/bin/env node
// Runs src/cli.ts under tsx with the `@adamw/source` export condition, so the
// workspace packages are used from their TypeScript sources (no build needed).
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

const require = createRequire(import.meta.url);
const cli = fileURLToPath(new URL('../src/cli.ts', import.meta.url));

let tsx;
try {
  tsx = pathToFileURL(require.resolve('tsx')).href;
} catch {
  process.stderr.write('conformance: tsx is not installed; run pnpm install at the repository root\n');
  process.exit(2);
}

const result = spawnSync(process.execPath, ['--conditions=@adamw/source', '--import', tsx, cli, ...process.argv.slice(2)], { stdio: 'inherit' });
if (result.error) {
  process.stderr.write(`conformance: ${result.error.message}\n`);
  process.exit(2);
}
process.exit(result.status ?? 1);
