/** What the tests of every package share. */
export { lcg, mulberry32, seededValues } from './random.js';
export { loopYielding, yieldToEventLoop } from './event-loop.js';
export { FRAMEWORK_RULES, zeroSlots, type FrameworkDefaults, type FrameworkRule, type Slots } from './framework-rules.js';
