import { describe } from 'vitest';
import { testCases } from './helpers/cases.js';
import { NORMALIZATION_CASES } from './cases/normalization.js';

describe('gradients of layer and batch normalisation match finite differences', () => {
  testCases(NORMALIZATION_CASES);
});
