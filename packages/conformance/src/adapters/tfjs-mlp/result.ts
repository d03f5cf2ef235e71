import type { TrajectoryResult } from '../../adapters';
import type { MlpResult } from './plan';

/** A trained plan's result as the conformance runner compares it. */
export function toTrajectoryResult(r: MlpResult): TrajectoryResult {
  const params: Record<string, Float32Array> = {};
  for (const [name, values] of Object.entries(r.params)) params[name] = Float32Array.from(values);
  return { losses: r.losses, params };
}
