import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

/** The app's folder. */
export const APP = fileURLToPath(new URL('..', import.meta.url));
/** The built command line that `pnpm start` runs. */
export const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url));

let built: Promise<void> | undefined;

/**
 * Builds dist/ once per test file with the app's own tsup config, as `pnpm
 * start` does. tsup runs in a child process: in the test worker its bundling
 * would hold the event loop for seconds.
 */
export function buildCli(): Promise<void> {
  built ??= (async () => {
    const tsup = join(dirname(createRequire(import.meta.url).resolve('tsup/package.json')), 'dist', 'cli-default.js');
    await promisify(execFile)(process.execPath, [tsup, '--silent'], { cwd: APP });
  })();
  return built;
}
