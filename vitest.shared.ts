import { fileURLToPath } from 'node:url';
import { defineConfig, type UserConfig } from 'vitest/config';

const LOOP_STRETCH = fileURLToPath(new URL('./scripts/vitest/event-loop-stretch.ts', import.meta.url));
const RESET_LOOP_STRETCH = fileURLToPath(new URL('./scripts/vitest/reset-loop-stretch.ts', import.meta.url));

/**
 * Test configuration every package shares: tests run against TypeScript
 * sources through the `@adamw/source` export condition (no build needed), and
 * each run writes a JSON report that `.ci/run` sums into one closing line,
 * and the longest synchronous stretch of each test file (see
 * scripts/vitest/event-loop-stretch.ts). Timeouts are generous: the suite must
 * pass on a machine busy with other work, and speed is measured by `pnpm bench`,
 * never by tests.
 */
export function packageTestConfig(extra: UserConfig['test'] = {}) {
  const conditions = ['@adamw/source', 'import', 'module', 'node', 'default'];
  return defineConfig({
    resolve: { conditions },
    ssr: { resolve: { conditions, externalConditions: ['@adamw/source'] } },
    test: {
      reporters: ['default', ['json', { outputFile: '.vitest-report.json' }]],
      testTimeout: 180_000,
      hookTimeout: 300_000,
      ...extra,
      setupFiles: [LOOP_STRETCH, ...toArray(extra.setupFiles)],
      globalSetup: [RESET_LOOP_STRETCH, ...toArray(extra.globalSetup)],
    },
  });
}

function toArray(v: string | string[] | undefined): string[] {
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}
