import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * The environment for npm and node in a consumer project: the variables a
 * pnpm script run adds are dropped, so npm behaves as it does for a user
 * typing `npm install` (the user's registry and cache settings are kept).
 */
export function consumerEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (
      /^(npm_(package|lifecycle|command|execpath|node_execpath)|npm_config_user_agent|npm_config_verify_deps|pnpm_config_|PNPM_|NODE_OPTIONS$|VITEST|TEST$|NODE_ENV$)/i.test(
        key,
      )
    )
      continue;
    env[key] = value;
  }
  return env;
}

/**
 * Creates an empty npm project in `dir` and installs `dependencies` into it
 * (npm specs: `file:` paths of local tarballs, or registry versions) with
 * `--ignore-scripts`, so no install script of any dependency runs (among them
 * onnxruntime-node's, which downloads from outside the registry).
 */
export async function createConsumerProject(dir: string, dependencies: Record<string, string>): Promise<void> {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify({ name: 'adamw-consumer', version: '1.0.0', private: true, dependencies }, null, 2)}\n`);
  await run('npm', ['install', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error'], {
    cwd: dir,
    env: consumerEnv(),
    maxBuffer: 64 << 20,
  });
}

/** Runs `node <script>` in a consumer project and parses the JSON line it prints last. */
export async function runConsumerScript(dir: string, script: string, nodeArgs: string[] = []): Promise<Record<string, unknown>> {
  const { stdout } = await run(process.execPath, [...nodeArgs, script], { cwd: dir, env: consumerEnv(), maxBuffer: 64 << 20 });
  const last = stdout.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(last) as Record<string, unknown>;
  } catch {
    throw new Error(`${script} printed no JSON result; its output was:\n${stdout}`);
  }
}
