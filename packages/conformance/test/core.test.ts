import { afterAll, describe, expect, it } from 'vitest';
import { CORE_TOLERANCE, formatDeviation } from '../src/compare';
import { compareCoreRun, runCoreFixture, type CoreMode } from '../src/core-runner';
import { listFixtures, loadCoreFixture, type CoreFixture, type Dtype } from '../src/fixtures';

const fixtures: CoreFixture[] = listFixtures('core').map(loadCoreFixture);

/** The largest deviations seen, per dtype and entry point; printed at the end. */
const measured = new Map<string, { params: number; state: number; where: string }>();

function entryPoint(f: CoreFixture, mode: CoreMode): string {
  const base = f.optimizer === 'adamw' ? 'adamwStep' : 'sgdwStep';
  return mode === 'pure' ? base : `${base}InPlace`;
}

describe('core fixtures reproduced by @adamw/core', () => {
  it('has fixtures of both dtypes and both optimizers', () => {
    const kinds = new Set(fixtures.map((f) => `${f.optimizer} ${f.dtype}`));
    expect([...kinds].sort()).toEqual(['adamw float32', 'adamw float64', 'sgdw float32', 'sgdw float64']);
  });

  const cases = fixtures.flatMap((f) => (['pure', 'inPlace'] as const).map((mode) => ({ f, mode })));
  it.each(cases.map((c) => [`${c.f.name} via ${entryPoint(c.f, c.mode)}`, c] as const))('%s', (_label, { f, mode }) => {
    const actual = runCoreFixture(f, mode, { checkInputsUnchanged: true });
    expect(actual.map((a) => a.step)).toEqual(f.expected.map((e) => e.step));
    const c = compareCoreRun(f, actual);
    expect(c.problems).toEqual([]);
    const tol = CORE_TOLERANCE[f.dtype];
    const where = c.worst ? `${f.name} step ${c.worst.step} ${c.worst.array}[${c.worst.index}]` : '';
    const key = `${f.dtype} ${mode === 'pure' ? 'pure' : 'in-place'}`;
    const prev = measured.get(key) ?? { params: 0, state: 0, where: '' };
    measured.set(key, {
      params: Math.max(prev.params, c.params.maxRel),
      state: Math.max(prev.state, c.state.maxRel),
      where: Math.max(c.params.maxRel, c.state.maxRel) > Math.max(prev.params, prev.state) ? where : prev.where,
    });
    expect(c.params.maxRel, `params (worst at ${where})`).toBeLessThanOrEqual(tol.rel);
    expect(c.state.maxRel, `state (worst at ${where})`).toBeLessThanOrEqual(tol.rel);
    expect(c.pass).toBe(true);
  });

  it('the pure and in-place entry points agree bit for bit', () => {
    for (const f of fixtures) {
      const a = runCoreFixture(f, 'pure');
      const b = runCoreFixture(f, 'inPlace');
      expect(b.length).toBe(a.length);
      a.forEach((x, i) => {
        const y = b[i]!;
        for (const k of ['params', 'm', 'v', 'vMax'] as const) {
          expect(y[k] === undefined, `${f.name} ${k}`).toBe(x[k] === undefined);
          const xs = x[k];
          const ys = y[k];
          if (xs && ys) {
            const differs = Array.from(xs).findIndex((v, j) => !Object.is(v, ys[j]));
            expect(differs, `${f.name} step ${x.step} ${k}`).toBe(-1);
          }
        }
      });
    }
  });
});

afterAll(() => {
  const lines = [...measured]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, m]) => {
      const dtype = k.split(' ')[0] as Dtype;
      return `  ${k.padEnd(16)} params ${formatDeviation(m.params)}, state ${formatDeviation(m.state)} (tolerance ${formatDeviation(CORE_TOLERANCE[dtype].rel)})${m.where ? `; largest at ${m.where}` : ''}`;
    });
  if (lines.length > 0) console.log(`largest relative deviations from torch:\n${lines.join('\n')}`);
});
