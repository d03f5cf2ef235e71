/**
 * `@adamw/reliability`: helpers of the fault-injection tests (corrupted
 * and forged bytes, writers killed mid-save, heap measurements, child processes).
 *
 * @packageDocumentation
 */
export { PACKAGE_DIR, runTs, spawnTs } from './child.js';
export { acceptedCorruptions, corruptions, prng, type Corruption } from './corrupt.js';
export { archiveData, archiveHeader, craftArchive, jsonObject, pollutionTargets, prototypeSnapshot, restorePrototypes } from './craft.js';
export { killDuringSave, type CrashOutcome } from './crash.js';
export { gc, heapAfterGc, heapGrowthPerStep } from './heap.js';
export { batchOf, onnxFixture, trajectory, type Trajectory } from './fixtures.js';
