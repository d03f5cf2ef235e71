import { describe } from 'vitest';
import { testCases } from './helpers/cases.js';
import { CONTROL_CASES } from './cases/control.js';

describe('gradients through Loop match finite differences', () => {
  testCases(CONTROL_CASES);
});
