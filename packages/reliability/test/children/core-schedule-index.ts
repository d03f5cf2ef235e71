// Evaluates schedules at indices that once made cosineWarmRestarts loop once
// per period (2^40 periods of one update) or forever (an infinite index), and
// prints one line per case: the value, or the error message.
import { cosineAnnealing, cosineWarmRestarts } from '@adamw/core';

const cases: [string, () => number][] = [
  ['period 1 at 2^40', () => cosineWarmRestarts({ period: 1 })(2 ** 40)],
  ['period 7 at 2^53 - 1', () => cosineWarmRestarts({ period: 7 })(Number.MAX_SAFE_INTEGER)],
  ['annealing over 2^52 at 2^52 - 1', () => cosineAnnealing(2 ** 52)(2 ** 52 - 1)],
  ['period 1 at Infinity', () => cosineWarmRestarts({ period: 1 })(Infinity)],
  ['period 2, multiplier 2 at Infinity', () => cosineWarmRestarts({ period: 2, periodMultiplier: 2 })(Infinity)],
];
for (const [name, run] of cases) {
  let result: string;
  try {
    result = `value ${run()}`;
  } catch (error) {
    result = `error ${(error as Error).message}`;
  }
  console.log(`${name}: ${result}`);
}
