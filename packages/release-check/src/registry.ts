import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { consumerEnv } from './install.js';

const run = promisify(execFile);

/** Whether `name@version` is already on the npm registry (no credentials needed). */
export type RegistryStatus = 'published' | 'new' | 'unknown';

/** Asks the registry whether `name@version` exists: `new` means `changeset publish` would publish it. */
export async function registryStatus(name: string, version: string): Promise<RegistryStatus> {
  try {
    const { stdout } = await run('npm', ['view', `${name}@${version}`, 'version', '--json'], { env: consumerEnv(), timeout: 30_000 });
    return stdout.trim() === '' ? 'new' : 'published';
  } catch (error) {
    const text = `${(error as { stdout?: string }).stdout ?? ''}${(error as { stderr?: string }).stderr ?? ''}`;
    return /E404|404 Not Found|is not in this registry/.test(text) ? 'new' : 'unknown';
  }
}
