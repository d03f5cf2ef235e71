// Every command line of the repository, given unknown flags or impossible
// values, exits with code 2 and a message naming the problem, and starts no work.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runTs } from '../src/index.js';

const scratch = mkdtempSync(join(tmpdir(), 'adamw-reliability-cli-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

interface Cli {
  name: string;
  script: string;
  cases: [args: string[], message: RegExp][];
}

const out = join(scratch, 'experiments-out');
const CLIS: Cli[] = [
  {
    name: 'adam-vs-adamw (pnpm start / apps/experiments)',
    script: '../../apps/experiments/src/cli.ts',
    cases: [
      [['--bogus', '--out', out], /unknown option '--bogus'/],
      [['--epochs', '0', '--out', out], /'--epochs <n>' argument '0' is invalid/],
      [['--epochs', 'many', '--out', out], /'--epochs <n>' argument 'many' is invalid/],
      [['--lr', '-1e-3', '--out', out], /'-1e-3' is not a positive number/],
      [['--weight-decay', '0.1,,0.2', '--out', out], /no empty entries/],
      [['--workers', '0', '--out', out], /'--workers <n>' argument '0' is invalid/],
      [['--seeds', '1.5', '--out', out], /'1.5' is not an integer >= 0/],
      [['stray-argument', '--out', out], /too many arguments|unexpected|excess/i],
    ],
  },
  {
    name: 'pnpm conformance',
    script: '../conformance/src/cli.ts',
    cases: [
      [['--bogus'], /Unknown option '--bogus'/],
      [['--adapter', 'nosuch'], /unknown adapter 'nosuch'/],
      [['/no/such/fixture.json'], /no such file or directory: \/no\/such\/fixture\.json/],
    ],
  },
  {
    name: 'pnpm test:soak (packages/core/test/soak.ts)',
    script: '../core/test/soak.ts',
    cases: [
      [['--bogus'], /Unknown option '--bogus'/],
      [['--steps', '0'], /--steps must be a positive integer, got '0'/],
      [['--steps=-5'], /--steps must be a positive integer, got '-5'/],
      [['--check-every', '2.5'], /--check-every must be a positive integer, got '2.5'/],
    ],
  },
];

describe.each(CLIS)('$name', ({ script, cases }) => {
  it.each(cases)('%j exits with code 2 and says why', async (args, message) => {
    const r = await runTs(script, args);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stdout).toBe('');
  });
});

describe('nothing is started by a refused command line', () => {
  it('adam-vs-adamw creates no output folder', () => {
    expect(existsSync(out)).toBe(false);
  });
});
