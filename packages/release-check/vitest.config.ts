import { packageTestConfig } from '../../vitest.shared';

// Building, packing and installing take a while: the global setup builds and
// packs every public package once for all test files.
export default packageTestConfig({
  globalSetup: ['./test/global-setup.ts'],
  testTimeout: 180_000,
  hookTimeout: 240_000,
});
