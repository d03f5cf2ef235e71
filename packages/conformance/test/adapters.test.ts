import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  adapterKind,
  compareTrajectory,
  coreAdapter,
  listAdapters,
  listTrajectoryAdapters,
  loadTrajectoryAdapter,
  type TrajectoryResult,
} from '../src/adapters';
import { main } from '../src/cli';
import { compareCoreRun, runCoreFixture } from '../src/core-runner';
import { listFixtures, loadCoreFixture, loadTrajectoryFixture, tensorData, type TrajectoryFixture } from '../src/fixtures';

const tmp = mkdtempSync(join(tmpdir(), 'adamw-conformance-adapters-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** An adapter that answers with the fixture's own expectations, optionally nudged. */
const echoSource = (nudge: number) => `
export const adapter = {
  name: 'echo',
  async run(fixture) {
    const C = fixture.dtype === 'float32' ? Float32Array : Float64Array;
    const params = {};
    for (const [k, t] of Object.entries(fixture.expected.params)) params[k] = C.from(t.data, (x) => x * (1 + ${nudge}));
    return { losses: fixture.expected.losses.slice(), params };
  },
};
`;

function adaptersDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmp, 'adapters-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

function expectedResult(f: TrajectoryFixture): TrajectoryResult {
  const params: TrajectoryResult['params'] = {};
  for (const [k, t] of Object.entries(f.expected.params)) params[k] = tensorData(t, f.dtype);
  return { losses: f.expected.losses.slice(), params };
}

describe('adapter registry', () => {
  it('lists only the adapter files that are present', () => {
    const dir = adaptersDir({ 'zeta.mjs': echoSource(0), 'alpha.ts': 'export const adapter = {}', 'README.md': '', 'x.d.ts': '' });
    mkdirSync(join(dir, 'sub'));
    expect(listTrajectoryAdapters(dir)).toEqual(['alpha', 'zeta']);
    expect(listAdapters(dir)).toEqual(['core', 'alpha', 'zeta']);
    expect(listTrajectoryAdapters(join(tmp, 'does-not-exist'))).toEqual([]);
    expect(adapterKind('core')).toBe('core');
    expect(adapterKind('trainer')).toBe('trajectory');
  });

  it('loads an adapter lazily and reports missing or malformed ones', async () => {
    const dir = adaptersDir({ 'echo.mjs': echoSource(0), 'broken.mjs': 'export const adapter = { name: "broken" };' });
    const echo = await loadTrajectoryAdapter('echo', dir);
    expect(echo.name).toBe('echo');
    await expect(loadTrajectoryAdapter('broken', dir)).rejects.toThrow(/does not export an adapter/);
    await expect(loadTrajectoryAdapter('tfjs', dir)).rejects.toThrow(/no trajectory adapter named 'tfjs'/);
  });

  it('lists the adapters of this package that exist so far', () => {
    const names = listTrajectoryAdapters();
    expect(names).not.toContain('core');
    for (const n of names) expect(n).toMatch(/^[a-z0-9][a-z0-9-]*$/);
  });
});

describe('trajectory comparison', () => {
  const f = loadTrajectoryFixture(listFixtures('trajectory')[0]!);

  it('passes the expected values themselves', () => {
    const c = compareTrajectory(f, expectedResult(f));
    expect(c.pass).toBe(true);
    expect(c.loss.maxRel).toBe(0);
    expect(c.params.maxRel).toBe(0);
  });

  it('fails a perturbed parameter, a wrong loss and a missing parameter', () => {
    const r = expectedResult(f);
    const name = Object.keys(r.params)[0]!;
    r.params[name]![0]! += 0.1;
    let c = compareTrajectory(f, r);
    expect(c.pass).toBe(false);
    expect(c.worstParam).toBe(name);

    const r2 = expectedResult(f);
    r2.losses[3]! *= 1.001;
    c = compareTrajectory(f, r2);
    expect(c.pass).toBe(false);
    expect(c.loss.index).toBe(3);

    const r3 = expectedResult(f);
    delete r3.params[name];
    r3.losses.pop();
    c = compareTrajectory(f, r3);
    expect(c.pass).toBe(false);
    expect(c.problems).toHaveLength(2);
  });
});

const f0 = (): TrajectoryFixture => loadTrajectoryFixture(listFixtures('trajectory')[0]!);

describe('fixtures that expect nothing', () => {
  it('a trajectory with no expected losses or parameters fails, naming what is missing', () => {
    const empty: TrajectoryFixture = { ...f0(), expected: { losses: [], params: {} } };
    const c = compareTrajectory(empty, { losses: [], params: {} });
    expect(c.pass).toBe(false);
    expect(c.problems).toEqual(['the fixture expects no losses: nothing was compared', 'the fixture expects no final parameters: nothing was compared']);
  });

  it('a core fixture with no expected steps, or a step that records no array, fails', () => {
    const f = loadCoreFixture(listFixtures('core')[0]!);
    const none = compareCoreRun({ ...f, expected: [] }, []);
    expect(none.pass).toBe(false);
    expect(none.problems).toEqual(['the fixture has no expected steps: nothing was compared']);
    const bare = compareCoreRun({ ...f, expected: [{ step: 1 } as never] }, runCoreFixture(f, 'inPlace'));
    expect(bare.pass).toBe(false);
    expect(bare.problems).toEqual(['expected step 1 records no array: nothing was compared there']);
  });
});

describe('core adapter', () => {
  it('checks both entry points', () => {
    const f = loadCoreFixture(listFixtures('core')[0]!);
    const r = coreAdapter.check(f);
    expect(Object.keys(r.modes).sort()).toEqual(['inPlace', 'pure']);
    expect(r.combined.pass).toBe(true);
  });
});

describe('CLI with trajectory adapters', () => {
  function capture() {
    const out: string[] = [];
    const err: string[] = [];
    return { io: { out: (l: string) => out.push(l), err: (l: string) => err.push(l) }, out, err };
  }
  const trajectory = listFixtures('trajectory').slice(0, 2);

  it('runs every adapter present on every trajectory fixture', async () => {
    const dir = adaptersDir({ 'echo.mjs': echoSource(0) });
    const { io, out } = capture();
    expect(await main(trajectory, io, dir)).toBe(0);
    expect(out.filter((l) => l.startsWith('PASS')).length).toBe(trajectory.length);
    expect(out.join('\n')).toMatch(/× echo: loss 0 .*params 0/);
  });

  it('fails when an adapter drifts beyond tolerance or throws', async () => {
    const dir = adaptersDir({
      'drift.mjs': echoSource(1e-2).replace("'echo'", "'drift'"),
      'boom.mjs': 'export const adapter = { name: "boom", run: async () => { throw new Error("kaput"); } };',
    });
    const { io, out } = capture();
    expect(await main(['--adapter', 'drift', '--adapter', 'boom', ...trajectory], io, dir)).toBe(1);
    expect(out.filter((l) => l.startsWith('FAIL')).length).toBe(2 * trajectory.length);
    expect(out.join('\n')).toContain('kaput');
  });

  it('skips, with its reason, the fixtures of a dtype an adapter declares unsupported', async () => {
    const f64 = listFixtures('trajectory')
      .filter((f) => f.endsWith('-f64.json.gz'))
      .slice(0, 1);
    const f32 = listFixtures('trajectory')
      .filter((f) => f.endsWith('-f32.json.gz'))
      .slice(0, 1);
    const source = echoSource(0).replace("name: 'echo',", "name: 'echo', unsupported: { float64: 'no doubles here' },");
    const dir = adaptersDir({ 'echo.mjs': source });
    const { io, out } = capture();
    expect(await main([...f32, ...f64], io, dir)).toBe(0);
    expect(out.filter((l) => l.startsWith('PASS'))).toHaveLength(1);
    expect(out).toContainEqual(expect.stringMatching(/^SKIP {2}trajectories\/\S+-f64 × echo: no doubles here$/));
    expect(out.at(-1)).toBe('1 checks: 1 passed, 0 failed, 1 fixtures skipped');
  });

  it('skips trajectory fixtures when no trajectory adapter is present', async () => {
    const dir = adaptersDir({});
    const { io, out } = capture();
    expect(await main([listFixtures('core')[0]!, ...trajectory], io, dir)).toBe(0);
    expect(out.filter((l) => l.startsWith('SKIP')).length).toBe(trajectory.length);
  });

  it('exits 2 on an unknown adapter, on an adapter that applies to nothing, and on a missing file', async () => {
    const dir = adaptersDir({});
    let c = capture();
    expect(await main(['--adapter', 'nope'], c.io, dir)).toBe(2);
    expect(c.err.join('\n')).toMatch(/unknown adapter 'nope'/);
    c = capture();
    expect(await main(['--adapter', 'core', ...trajectory], c.io, dir)).toBe(2);
    c = capture();
    expect(await main([join(tmp, 'missing.json')], c.io, dir)).toBe(2);
  });
});
