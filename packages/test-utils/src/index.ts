/** What the tests of every package share. */
export { lcg, mulberry32, seededValues } from './random.js';
export { loopYielding, yieldToEventLoop } from './event-loop.js';
