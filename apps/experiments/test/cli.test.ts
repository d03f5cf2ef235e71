import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ResultsFile } from '../src/results.js';
import { APP, CLI, buildCli } from './build.js';

interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the built CLI without blocking the test worker (a long synchronous spawn starves vitest's own messages). */
function cli(args: string[]): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: APP, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const scratch = mkdtempSync(join(tmpdir(), 'adam-vs-adamw-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const readResults = (dir: string) => JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as ResultsFile;

/** A small grid: 4 optimizers × 1 α × 2 λ_norm = 8 runs of one epoch on 150 digits. */
const TINY = ['--train', '150', '--test', '80', '--epochs', '1', '--lr', '0.01', '--weight-decay-norm', '0.01,0.1', '--hidden', '16', '--workers', '2'];

beforeAll(() => buildCli(), 120_000);

describe('the built CLI rejects bad input with exit code 2 and a message on stderr', () => {
  const cases: [string, string[], RegExp][] = [
    ['an unknown flag', ['--bogus'], /unknown option '--bogus'/],
    ['negative epochs', ['--epochs', '-1'], /--epochs <n>' argument '-1' is invalid\. expected an integer >= 1/],
    ['zero epochs', ['--epochs', '0'], /expected an integer >= 1/],
    ['a fractional worker count', ['--workers', '1.5'], /--workers <n>' argument '1\.5' is invalid/],
    ['a million worker threads', ['--workers', '1000000'], /--workers <n>' argument '1000000' is invalid\. expected an integer <= 256/],
    ['an empty learning-rate grid', ['--lr', ''], /no empty entries/],
    ['a learning rate that is not a number', ['--lr', '1e-3,abc'], /'abc' is not a positive number/],
    ['a zero weight decay (log axes)', ['--weight-decay-norm', '0,0.1'], /'0' is not a positive number/],
    ['a repeated grid value', ['--weight-decay-norm', '0.1,0.1'], /repeats a value/],
    ['a negative seed', ['--seeds', '-3'], /'-3' is not an integer >= 0/],
    ['a seed beyond 32 bits', ['--seeds', '1,4294967296'], /seed 4294967296 is more than 4294967295/],
    ['more digits than the package holds', ['--train', '9000', '--test', '2000'], /more than the 10,000 digits/],
    ['a batch larger than the training split', ['--train', '100', '--batch-size', '2000'], /--batch-size 2000 is more than the 100 training digits/],
    ['a model too large for a worker', ['--hidden', '2000000000'], /--hidden 2000000000 makes an MLP of 1,590,000,000,010 parameters; at most 10,000,000/],
    ['--lr given twice', ['--lr', '1e-3', '--lr', '1e-2'], /option '--lr' is given more than once/],
    ['--full given twice', ['--full', '--full'], /option '--full' is given more than once/],
    ['restarts that do not end with the run', ['--epochs', '10', '--restarts', '3'], /end a period after 3, 9, 21/],
    ['an unknown decay form', ['--decay-form', 'keras'], /'keras' is invalid\. Allowed choices are paper, torch, both/],
    ['a stray argument', ['quick'], /too many arguments/],
    ['a missing value', ['--epochs'], /argument missing/],
  ];
  for (const [label, args, message] of cases) {
    it(label, async () => {
      const out = join(scratch, 'refused');
      const r = await cli(['--out', out, ...args]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).not.toMatch(/\n\s+at /);
      expect(r.stdout).toBe('');
      expect(existsSync(out)).toBe(false);
    });
  }

  it('--help exits 0 and documents the flags', async () => {
    const r = await cli(['--help']);
    expect(r.code).toBe(0);
    for (const flag of ['--full', '--family', '--decay-form', '--lr', '--weight-decay-norm', '--restarts', '--epochs', '--seeds', '--workers', '--out']) {
      expect(r.stdout).toContain(flag);
    }
  });
});

describe('a tiny grid run', () => {
  const out = join(scratch, 'tiny');
  let run: CliRun;
  let results: ResultsFile;

  beforeAll(async () => {
    run = await cli([...TINY, '--out', out]);
    results = readResults(out);
  }, 240_000);

  it('exits 0 and prints one plain progress line per run when stdout is not a terminal', () => {
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout.match(/^\[\d\/8\] (adam-l2|adamw|sgd-l2|sgdw) α=1e-2 λ_norm=(1e-2|1e-1) seed 1: test error \d+\.\d\d% \(/gm)).toHaveLength(8);
    expect(run.stdout).toContain('best test error');
    expect(run.stdout).toMatch(/For Adam, decoupled weight decay/);
  });

  it('writes results.json with the documented shape, marked complete', () => {
    expect(results).toMatchObject({ format: 'adam-vs-adamw/2', status: 'complete', plannedRuns: 8, completedRuns: 8, epochs: 1 });
    expect(results.dataset).toMatchObject({ train: 150, test: 80 });
    expect(results.optimizers).toEqual(['adam-l2', 'adamw', 'sgd-l2', 'sgdw']);
    expect(results.grid.adamw).toEqual({ lr: [0.01], weightDecayNorm: [0.01, 0.1] });
    expect(results.model.layers).toEqual([784, 16, 10]);
    expect(results.schedule).toMatchObject({ kind: 'cosine', periods: [{ start: 0, epochs: 1 }] });
    expect(results.runs).toHaveLength(8);
    for (const r of results.runs) {
      expect(['adam-l2', 'adamw', 'sgd-l2', 'sgdw']).toContain(r.optimizer);
      expect(r.decayScale).toBe(r.optimizer.endsWith('w') ? 'schedule' : null);
      expect(r.lr).toBe(0.01);
      expect([0.01, 0.1]).toContain(r.weightDecayNorm);
      // λ = λ_norm·√(b/(B·T)) with b = 64, B = 150, T = 1.
      expect(r.weightDecay).toBeCloseTo(r.weightDecayNorm * Math.sqrt(64 / 150), 12);
      expect(r.testError).toBeGreaterThanOrEqual(0);
      expect(r.testError).toBeLessThanOrEqual(1);
      // Test errors are counts out of 80 digits, training errors out of 150.
      expect(Number.isInteger(Math.round(r.testError * 80 * 1e6) / 1e6)).toBe(true);
      expect(Number.isInteger(Math.round(r.trainError * 150 * 1e6) / 1e6)).toBe(true);
      expect(r.curve).toHaveLength(1);
      expect(r.curve[0]!.testError).toBe(r.testError);
    }
    for (const o of results.optimizers) {
      expect(results.analysis.separability[o]).toHaveProperty('slope');
      expect(results.analysis.best[o]!.gap).toBeCloseTo(results.analysis.best[o]!.testError - results.analysis.best[o]!.trainError, 12);
    }
    expect(results.claims.map((c) => c.verdict)).toEqual(['inconclusive', 'inconclusive', 'inconclusive', 'inconclusive']);
  });

  it('writes the four heatmaps, the separability chart and the learning curves as SVG', () => {
    for (const file of ['heatmap-adam-l2.svg', 'heatmap-adamw.svg', 'heatmap-sgd-l2.svg', 'heatmap-sgdw.svg', 'curves.svg', 'separability.svg']) {
      expect(readFileSync(join(out, file), 'utf8').startsWith('<svg'), file).toBe(true);
    }
    expect(readFileSync(join(out, 'heatmap-sgdw.svg'), 'utf8')).toContain('SGDW: test error');
    expect(readFileSync(join(out, 'heatmap-adamw.svg'), 'utf8')).toContain('normalized weight decay');
    // The best cell is outlined in red.
    for (const o of results.optimizers) expect(readFileSync(join(out, `heatmap-${o}.svg`), 'utf8'), o).toContain('stroke="#d62728"');
  });

  it('writes report.md whose numbers are the results', () => {
    const report = readFileSync(join(out, 'report.md'), 'utf8');
    for (const b of Object.values(results.analysis.best)) expect(report).toContain(`${(b!.testError * 100).toFixed(2)}%`);
    expect(report).toContain('150 training and 80 test digits');
    expect(report).toContain('## What reproduces');
    expect(report).toContain('](heatmap-sgd-l2.svg)');
    expect(report).not.toContain('Partial results');
  });

  it('--from-results redraws the same report without training', async () => {
    const again = join(scratch, 'redraw');
    const r = await cli(['--from-results', join(out, 'results.json'), '--out', again]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).not.toMatch(/^\[/m);
    expect(readFileSync(join(again, 'report.md'), 'utf8')).toBe(readFileSync(join(out, 'report.md'), 'utf8'));
    expect(readResults(again).runs).toEqual(results.runs);
  }, 120_000);
});

describe('pnpm start loses nothing', () => {
  it('checks the output folder before training anything', async () => {
    const blocker = join(scratch, 'a-file');
    writeFileSync(blocker, 'not a folder');
    const r = await cli([...TINY, '--out', join(blocker, 'out')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/cannot write to the output folder .*a-file[\\/]out/);
    expect(r.stdout).not.toMatch(/^\[\d/m);
  }, 120_000);

  it('--from-results with a bad file changes nothing in the output folder', async () => {
    const out = join(scratch, 'keep');
    expect((await cli([...TINY, '--out', out])).code).toBe(0);
    const before = new Map(readdirSync(out).map((f) => [f, readFileSync(join(out, f), 'utf8')]));
    const good = readResults(out);
    const bad = join(scratch, 'bad-results.json');
    for (const broken of [
      { ...good, runs: good.runs.map((r, i) => (i === 3 ? { ...r, curve: undefined } : r)) },
      { ...good, optimizers: ['adam-l2', 'lion'] },
      { ...good, format: 'something else' },
    ]) {
      writeFileSync(bad, JSON.stringify(broken));
      const r = await cli(['--from-results', bad, '--out', out]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/bad-results\.json is not a results\.json of this experiment/);
      expect(r.stderr).not.toMatch(/\n\s+at /);
      for (const [f, text] of before) expect(readFileSync(join(out, f), 'utf8'), f).toBe(text);
    }
    writeFileSync(bad, '{ "truncated": ');
    const r = await cli(['--from-results', bad, '--out', out]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/cannot read results from .*bad-results\.json/);
    expect(readdirSync(out).sort()).toEqual([...before.keys()].sort());
  }, 240_000);

  it('SIGINT after some runs writes them marked partial and keeps the previous results', async () => {
    const out = join(scratch, 'interrupted');
    mkdirSync(out);
    expect((await cli([...TINY, '--out', out])).code).toBe(0);
    const previous = readFileSync(join(out, 'results.json'), 'utf8');
    // 4 optimizers × 3 learning rates × 1 λ = 12 runs, one at a time, each long enough to interrupt the grid.
    const child = spawn(
      process.execPath,
      [
        CLI,
        '--train',
        '2000',
        '--test',
        '200',
        '--epochs',
        '4',
        '--lr',
        '0.003,0.01,0.03',
        '--weight-decay-norm',
        '0.1',
        '--hidden',
        '32',
        '--workers',
        '1',
        '--out',
        out,
      ],
      { cwd: APP, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    let signalled = false;
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => {
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        if (!signalled && (stdout.match(/^\[ ?\d+\/12\]/gm) ?? []).length >= 3) {
          signalled = true;
          child.kill('SIGINT');
        }
      });
      child.on('close', (c) => resolve(c));
    });
    expect(signalled, stdout + stderr).toBe(true);
    expect(code, stderr).toBe(130);
    expect(stderr).toMatch(/interrupted/);
    const results = readResults(out);
    expect(results.status).toBe('partial');
    expect(results.plannedRuns).toBe(12);
    expect(results.completedRuns).toBeGreaterThanOrEqual(3);
    expect(results.completedRuns).toBeLessThan(12);
    expect(results.runs).toHaveLength(results.completedRuns);
    expect(results.dataset.train).toBe(2000);
    expect(readFileSync(join(out, 'report.md'), 'utf8')).toContain(`**Partial results**: ${results.completedRuns} of 12 runs`);
    // The run before is kept, whole, beside it.
    expect(readFileSync(join(out, 'previous', 'results.json'), 'utf8')).toBe(previous);
    expect(existsSync(join(out, 'previous', 'report.md'))).toBe(true);
  }, 240_000);
});
