import { packageTestConfig } from '../../vitest.shared';

// Building, packing and installing take a while: the global setup builds and
// packs every public package once for all test files.
export default packageTestConfig({
  globalSetup: ['./test/global-setup.ts'],
  // Minutes on a busy machine; the results are what count, not the time.
  testTimeout: 600_000,
  hookTimeout: 900_000,
});
