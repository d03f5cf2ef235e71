import { describe } from 'vitest';
import { testCases } from './helpers/cases.js';
import { SOFTMAX_CASES } from './cases/softmax.js';

describe('gradients of softmax and the losses match finite differences', () => {
  testCases(SOFTMAX_CASES);
});
