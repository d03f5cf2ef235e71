import { inject } from 'vitest';
import type { PackedPackage } from '../src/pack.js';

/** The tarball the global setup packed for `name`; throws with the build error otherwise. */
export function packedOrThrow(name: string): PackedPackage {
  const result = inject('packResults')[name];
  if (result === undefined) throw new Error(`${name} was not packed`);
  if ('error' in result) throw new Error(`${name} failed to build or pack:\n${result.error}`);
  return result.packed;
}
