import { describe } from 'vitest';
import { testCases } from './helpers/cases.js';
import { LINEAR_CASES } from './cases/linear.js';

describe('gradients of Gemm and MatMul match finite differences', () => {
  testCases(LINEAR_CASES);
});
