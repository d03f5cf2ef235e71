/** What the tests of every package share. */
export { lcg, mulberry32, seededValues, xorshift32 } from './random.js';
export { f32Bits, f32FromBits, firstDifference } from './float32.js';
export { halfwayLanes, nearPowerOfTwo } from './fma-lanes.js';
export { loopYielding, yieldToEventLoop } from './event-loop.js';
export { FRAMEWORK_RULES, zeroSlots, type FrameworkDefaults, type FrameworkRule, type Slots } from './framework-rules.js';
