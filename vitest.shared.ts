import { defineConfig, type UserConfig } from 'vitest/config';

/**
 * Test configuration every package shares: tests run against TypeScript
 * sources through the `@adamw/source` export condition (no build needed), and
 * each run writes a JSON report that `.ci/run` sums into one closing line.
 */
export function packageTestConfig(extra: UserConfig['test'] = {}) {
  const conditions = ['@adamw/source', 'import', 'module', 'node', 'default'];
  return defineConfig({
    resolve: { conditions },
    ssr: { resolve: { conditions, externalConditions: ['@adamw/source'] } },
    test: {
      reporters: ['default', ['json', { outputFile: '.vitest-report.json' }]],
      testTimeout: 60_000,
      hookTimeout: 120_000,
      ...extra,
    },
  });
}
