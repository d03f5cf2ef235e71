import { fileURLToPath } from 'node:url';
import { build } from 'tsup';

/** The app's folder. */
export const APP = fileURLToPath(new URL('..', import.meta.url));
/** The built command line that `pnpm start` runs. */
export const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url));

let built: Promise<void> | undefined;

/** Builds dist/ once per test file with the app's own tsup config, as `pnpm start` does. */
export function buildCli(): Promise<void> {
  built ??= (async () => {
    const { default: config } = (await import('../tsup.config.js')) as { default: Parameters<typeof build>[0] };
    await build({ ...config, silent: true, sourcemap: false });
  })();
  return built;
}
