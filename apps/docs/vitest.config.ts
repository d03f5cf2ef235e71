import { packageTestConfig } from '../../vitest.shared';

// The site tests build the documentation and drive a browser through it:
// minutes on a small CI machine, and several times that on a busy one, far
// beyond the shared defaults. Files run one after another, so that two of
// them never build the site at once.
export default packageTestConfig({ testTimeout: 240_000, hookTimeout: 900_000, fileParallelism: false });
