import { describe } from 'vitest';
import { testCases } from './helpers/cases.js';
import { REDUCE_CASES } from './cases/reduce.js';

describe('gradients of reductions match finite differences', () => {
  testCases(REDUCE_CASES);
});
