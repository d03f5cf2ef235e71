/**
 * Node-only helpers of `@adamw/core`, imported from `@adamw/core/node` so that
 * the main entry stays free of Node modules and runs in browsers.
 *
 * @packageDocumentation
 */
export { writeFileAtomic } from './atomic-file.js';
