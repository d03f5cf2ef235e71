import { describe } from 'vitest';
import { testCases } from './helpers/cases.js';
import { CONV_CASES } from './cases/conv.js';

describe('gradients of convolution and pooling match finite differences', () => {
  testCases(CONV_CASES);
});
