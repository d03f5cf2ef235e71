import { describe } from 'vitest';
import { testCases } from './helpers/cases.js';
import { ELEMENTWISE_CASES } from './cases/elementwise.js';

describe('gradients of elementwise operators match finite differences', () => {
  testCases(ELEMENTWISE_CASES);
});
