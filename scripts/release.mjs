#!/usr/bin/env node
// `pnpm release [--dry-run] [--skip-checks]`
//
// 1. refuses to publish while changesets are pending (run `pnpm version-packages` first);
// 2. builds the public packages with turbo (ESM, CommonJS, declarations);
// 3. runs the release checks (`pnpm --filter @adamw/release-check test`: metadata,
//    dependency policy, publint, are-the-types-wrong, install smoke tests, size budget);
// 4. publishes with `changeset publish`, or with --dry-run packs every public
//    package and prints what would be published (name, version, files, sizes),
//    needing no npm credentials.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const PUBLIC = ['@adamw/core', '@adamw/trainer', '@adamw/tfjs', '@adamw/onnxruntime'];
const FLAGS = new Set(['--dry-run', '--skip-checks', '--help']);
const USAGE = `usage: pnpm release [--dry-run] [--skip-checks]

  --dry-run      build, check and pack; print what would be published; publish nothing
  --skip-checks  skip the release checks (with --dry-run: a quick listing)`;

function fail(message, code = 1) {
  console.error(`release: ${message}`);
  process.exit(code);
}

function step(title, command, args, env = {}) {
  console.log(`\n> ${title}: ${command} ${args.join(' ')}`);
  const result = spawnSync(command, args, { cwd: ROOT, stdio: 'inherit', env: { ...process.env, ...env } });
  if (result.error) fail(`${title} could not start: ${result.error.message}`);
  if (result.status !== 0) fail(`${title} failed (exit code ${result.status})`);
}

/** Changeset files waiting for `pnpm version-packages` (every .md in .changeset but its README). */
function pendingChangesets() {
  const dir = join(ROOT, '.changeset');
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter((f) => f.endsWith('.md') && f !== 'README.md');
}

const args = process.argv.slice(2);
const unknown = args.filter((a) => !FLAGS.has(a));
if (unknown.length > 0) fail(`unknown option ${unknown.join(', ')}\n${USAGE}`, 2);
if (args.includes('--help')) {
  console.log(USAGE);
  process.exit(0);
}
const dryRun = args.includes('--dry-run');
const skipChecks = args.includes('--skip-checks');

const pending = pendingChangesets();
if (pending.length > 0) {
  const message = `${pending.length} pending changeset(s) (${pending.join(', ')}): run \`pnpm version-packages\` and commit before publishing`;
  if (!dryRun) fail(message);
  console.warn(`release (dry run): ${message}; listing the current versions`);
}

const versions = PUBLIC.map((name) => {
  const dir = join(ROOT, 'packages', name.split('/')[1]);
  return `${name}@${JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).version}`;
});
console.log(`release${dryRun ? ' (dry run)' : ''}: ${versions.join(', ')}`);

step('build', 'pnpm', ['exec', 'turbo', 'run', 'build', ...PUBLIC.map((p) => `--filter=${p}`), '--output-logs=errors-only']);
if (!skipChecks) {
  // The packages were just built: the checks pack them as they are.
  step('release checks', 'pnpm', ['--filter', '@adamw/release-check', 'test'], { ADAMW_RELEASE_PREBUILT: '1' });
}
if (dryRun) {
  step('pack (dry run)', 'pnpm', ['exec', 'tsx', 'packages/release-check/src/cli.ts', 'pack']);
  console.log('\nrelease (dry run): nothing was published.');
} else {
  step('publish', 'pnpm', ['exec', 'changeset', 'publish']);
}
