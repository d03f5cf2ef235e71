import { expect } from 'vitest';
import { FD_TOL, gradCheck, type GradCheck, type OpCase } from './gradcheck.js';

/** Checks an op case's gradients against finite differences and returns the comparison. */
export async function expectGradients(c: OpCase, tol = FD_TOL[c.type]): Promise<GradCheck> {
  const r = await gradCheck(c, tol);
  expect(r.count).toBeGreaterThan(0);
  // A gradient that is zero everywhere would pass trivially.
  expect(r.largest).toBeGreaterThan(1e-3);
  expect(r.worst, r.where).toBeLessThanOrEqual(1);
  return r;
}
