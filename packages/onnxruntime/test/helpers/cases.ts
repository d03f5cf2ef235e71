import { it } from 'vitest';
import { expectGradients } from './expect-grad.js';
import type { GradCheck, OpCase } from './gradcheck.js';

/**
 * A finite-difference case: an op case, optionally its own tolerance and
 * further checks of the result. The case lists under `test/cases/` are data,
 * so `test/operators.test.ts` can check that every differentiable operator
 * of the registry has at least one.
 */
export interface FdCase {
  name: string;
  case: OpCase;
  tol?: { rtol: number; atol: number };
  check?: (r: GradCheck) => void;
}

/** One test per case: its gradients against central finite differences. */
export function testCases(cases: readonly FdCase[]): void {
  it.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const r = await expectGradients(c.case, c.tol);
    c.check?.(r);
  });
}

/** The operator types the nodes of the cases use. */
export function operatorsOf(cases: readonly FdCase[]): Set<string> {
  return new Set(cases.flatMap((c) => c.case.nodes.map((n) => n.op)));
}
