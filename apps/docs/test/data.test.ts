import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listFixtures, listTrajectoryAdapters } from '@adamw/conformance';
import { afterAll, describe, expect, it } from 'vitest';
import { DATA_DIR, DATA_REQUIREMENTS, missingDataFiles } from '../.vitepress/data-files';
import { parseChangeset } from '../.vitepress/theme/changesets';
import { formatNumber, tablesFrom } from '../.vitepress/theme/data';
import {
  CONFORMANCE_FORMAT,
  collectChecks,
  missingAdapterPackages,
  summarize,
  type ConformanceCheck,
  type ConformanceTable,
} from '../scripts/conformance-table';

describe('tables from JSON', () => {
  it('turns an array of objects into one table with the scalar fields as columns', () => {
    const tables = tablesFrom([
      { name: 'a', hz: 10, ok: true },
      { name: 'b', hz: 2.5, extra: 'x' },
    ]);
    expect(tables).toEqual([
      {
        title: '',
        columns: ['name', 'hz', 'ok', 'extra'],
        rows: [
          ['a', 10, true, null],
          ['b', 2.5, null, 'x'],
        ],
      },
    ]);
  });

  it('flattens nested objects of a row into dotted columns', () => {
    const [table] = tablesFrom([{ batch: 8, step: { medianMs: 1.5, samples: 10 } }]);
    expect(table).toEqual({ title: '', columns: ['batch', 'step.medianMs', 'step.samples'], rows: [[8, 1.5, 10]] });
  });

  it('follows nested values and names tables by their path', () => {
    const tables = tablesFrom({ machine: 'ci', runs: [{ name: 'step', mean: 1 }], by: { size: [{ n: 1 }] } });
    expect(tables.map((t) => t.title)).toEqual(['', 'runs', 'by › size']);
    expect(tables[0]!.rows).toEqual([['machine', 'ci']]);
  });

  it('formats numbers for reading', () => {
    expect(formatNumber(1234567)).toBe('1,234,567');
    expect(formatNumber(0.123456)).toBe('0.1235');
    expect(formatNumber(3.2e-7)).toBe('3.20e-7');
    expect(formatNumber(Number.POSITIVE_INFINITY)).toBe('Infinity');
  });
});

describe('changesets', () => {
  it('reads the bumps and the note', () => {
    const parsed = parseChangeset('---\n"@adamw/core": minor\n\'@adamw/tfjs\': patch\n---\n\nFixes a thing.\n');
    expect(parsed).toEqual({ bumps: { '@adamw/core': 'minor', '@adamw/tfjs': 'patch' }, note: 'Fixes a thing.' });
  });

  it('rejects a file without front matter', () => {
    expect(() => parseChangeset('just text')).toThrow(/front matter/);
  });
});

describe('required data files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'adamw-docs-data-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('lists every requirement when nothing is there, with the command that writes it', () => {
    const missing = missingDataFiles(dir);
    expect(missing).toHaveLength(DATA_REQUIREMENTS.length);
    expect(missing.find((m) => m.file.includes('bench/core.json'))?.command).toBe('pnpm bench');
  });

  it('counts a family of pictures as present when one file matches', () => {
    mkdirSync(join(dir, 'adam-vs-adamw'), { recursive: true });
    writeFileSync(join(dir, 'adam-vs-adamw', 'heatmap-adam.svg'), '<svg/>');
    const missing = missingDataFiles(dir).map((m) => m.file);
    expect(missing.some((f) => f.includes('heatmap'))).toBe(false);
    expect(missing.some((f) => f.includes('curve'))).toBe(true);
  });
});

describe('the committed experiment results', () => {
  it('are a complete run of both rows of Figure 2 with three or more seeds, whose pictures are there', () => {
    const dir = join(DATA_DIR, 'adam-vs-adamw');
    const results = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as {
      format: string;
      status: string;
      plannedRuns: number;
      completedRuns: number;
      optimizers: string[];
      seeds: number[];
      runs: { decayScale: string | null; weightDecayNorm: number }[];
      analysis: { separability: Record<string, { slope: number | null }> };
      claims: { verdict: string }[];
    };
    expect(results.format).toBe('adam-vs-adamw/2');
    expect(results.status).toBe('complete');
    expect(results.completedRuns).toBe(results.plannedRuns);
    expect(results.runs).toHaveLength(results.plannedRuns);
    expect(results.optimizers).toEqual(expect.arrayContaining(['adam-l2', 'adamw', 'sgd-l2', 'sgdw']));
    expect(results.seeds.length).toBeGreaterThanOrEqual(3);
    for (const o of results.optimizers) expect(results.analysis.separability[o], o).toBeDefined();
    expect(results.claims.length).toBeGreaterThanOrEqual(4);
    for (const o of results.optimizers) expect(existsSync(join(dir, `heatmap-${o}.svg`)), o).toBe(true);
    for (const f of ['report.md', 'curves.svg', 'separability.svg']) expect(existsSync(join(dir, f)), f).toBe(true);
  });
});

describe('the conformance table', () => {
  const check = (over: Partial<ConformanceCheck>): ConformanceCheck => ({
    fixture: 'f',
    adapter: 'trainer',
    kind: 'trajectory',
    dtype: 'float32',
    computedIn: 'float32',
    pass: true,
    loss: 1e-7,
    params: 2e-6,
    state: null,
    problems: [],
    ...over,
  });

  it('sums checks per adapter and dtype, packages in order, failures counted', () => {
    const rows = summarize([
      check({ adapter: 'tfjs-cpu', params: 3e-6 }),
      check({ adapter: 'trainer', params: 5e-6, loss: 2e-7 }),
      check({ adapter: 'trainer', pass: false, loss: null, params: null, problems: ['threw'] }),
      check({ adapter: 'core', kind: 'core', dtype: 'float64', computedIn: 'float64', loss: null, params: 1e-15, state: 4e-13 }),
      check({ adapter: 'tfjs-cpu', dtype: 'float64', computedIn: 'float32', params: 4e-6 }),
    ]);
    expect(rows.map((r) => `${r.adapter}/${r.dtype}`)).toEqual(['core/float64', 'trainer/float32', 'tfjs-cpu/float32', 'tfjs-cpu/float64']);
    // A float64 fixture computed in float32 is held to float32's tolerance, as the runner does.
    expect(rows[3]!.tolerance).toEqual(rows[2]!.tolerance);
    const trainer = rows[1]!;
    expect(trainer).toMatchObject({ fixtures: 2, passed: 1, loss: 2e-7, params: 5e-6, state: null });
    expect(rows[0]).toMatchObject({ loss: null, state: 4e-13, tolerance: { loss: null } });
  });

  it('names the public packages that no adapter covers', () => {
    expect(missingAdapterPackages(['trainer', 'tfjs-wasm'])).toEqual(['onnxruntime']);
    expect(missingAdapterPackages(['trainer', 'tfjs', 'onnxruntime'])).toEqual([]);
  });

  it('runs core fixtures through the real runner', async () => {
    const fixtures = listFixtures('core').slice(0, 2);
    const checks = await collectChecks(fixtures, []);
    expect(checks).toHaveLength(2);
    for (const c of checks) {
      expect(c).toMatchObject({ adapter: 'core', kind: 'core', pass: true });
      expect(c.params).toBeLessThan(1e-6);
    }
  });

  const file = join(DATA_DIR, 'conformance.json');
  it(
    'the committed table is what the runner measures now',
    async () => {
      expect(existsSync(file), `${file} is missing: run pnpm --filter @adamw/docs run conformance-table`).toBe(true);
      const table = JSON.parse(readFileSync(file, 'utf8')) as ConformanceTable;
      expect(table.format).toBe(CONFORMANCE_FORMAT);
      const stale = `${file} is out of date: run pnpm --filter @adamw/docs run conformance-table`;
      const fresh = await collectChecks(listFixtures(), listTrajectoryAdapters());
      const key = (c: ConformanceCheck) => `${c.fixture} × ${c.adapter}`;
      expect(table.checks.map(key).sort(), stale).toEqual(fresh.map(key).sort());
      const committed = new Map(table.checks.map((c) => [key(c), c]));
      for (const c of fresh) {
        const old = committed.get(key(c))!;
        expect(old.pass, `${stale} (${key(c)})`).toBe(c.pass);
        // Same numbers up to what another machine's thread count or libm may change.
        for (const field of ['loss', 'params', 'state'] as const) {
          const [a, b] = [old[field], c[field]];
          if (a === null || b === null || Math.max(a, b) < 1e-12) {
            expect(a === null, `${stale} (${key(c)} ${field})`).toBe(b === null);
            continue;
          }
          expect(Math.max(a, b) / Math.max(Math.min(a, b), 1e-300), `${stale} (${key(c)} ${field}: ${a} vs ${b})`).toBeLessThan(10);
        }
      }
      expect(summarize(fresh).map((r) => `${r.adapter}/${r.dtype}`)).toEqual(table.rows.map((r) => `${r.adapter}/${r.dtype}`));
      // Every adapter on every fixture, the tfjs-webgl, tfjs-webgpu, onnxruntime-web and
      // onnxruntime-web-webgpu ones in Chromium (one page per fixture, WebGL and WebGPU on SwiftShader):
      // about twenty minutes on a busy two-core machine.
    },
    60 * 60_000,
  );
});
