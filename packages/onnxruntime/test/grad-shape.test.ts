import { describe } from 'vitest';
import { testCases } from './helpers/cases.js';
import { SHAPE_CASES } from './cases/shape.js';

describe('gradients of shape operators match finite differences', () => {
  testCases(SHAPE_CASES);
});
