import { packageTestConfig } from '../../vitest.shared';

// The site tests build the documentation and drive a browser through it:
// minutes on a small CI machine, and several times that on a busy one, far
// beyond the shared defaults. Files run one after another, so that two of
// them never build the site at once. Under two full test runs side by side on
// two cores, building and crawling the site once took over 15 minutes.
export default packageTestConfig({ testTimeout: 240_000, hookTimeout: 1_800_000, fileParallelism: false });
