import { packageTestConfig } from '../../vitest.shared';

// The site test builds the documentation and drives a browser through it:
// minutes on a small CI machine, far beyond the shared defaults.
export default packageTestConfig({ testTimeout: 240_000, hookTimeout: 420_000 });
