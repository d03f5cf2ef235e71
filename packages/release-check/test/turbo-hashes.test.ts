import { describe, expect, it } from 'vitest';
import { HASH_PROBES, probeTurboHashes } from '../src/turbo-hashes.js';

// A cached turbo task replays its last result when its hash is unchanged: every
// file a task reads must be part of its hash, or a local run passes on stale
// results. Each probe edits a file in a throwaway clone and compares hashes.
describe('turbo cache keys', () => {
  it('change with every file a task reads, and only with those', { timeout: 300_000 }, async () => {
    const results = await probeTurboHashes();
    expect(results).toHaveLength(HASH_PROBES.length);
    for (const { probe, changed } of results) expect(changed, `${probe.file} → ${probe.task}`).toBe(probe.changes);
  });
});
