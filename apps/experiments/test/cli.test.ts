import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ResultsFile } from '../src/results.js';
import { APP, CLI, buildCli } from './build.js';

function cli(args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd: APP, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(() => buildCli(), 120_000);

describe('the built CLI rejects bad input with exit code 2 and a message on stderr', () => {
  const cases: [string, string[], RegExp][] = [
    ['an unknown flag', ['--bogus'], /unknown option '--bogus'/],
    ['negative epochs', ['--epochs', '-1'], /--epochs <n>' argument '-1' is invalid\. expected an integer >= 1/],
    ['zero epochs', ['--epochs', '0'], /expected an integer >= 1/],
    ['a fractional worker count', ['--workers', '1.5'], /--workers <n>' argument '1\.5' is invalid/],
    ['an empty learning-rate grid', ['--lr', ''], /no empty entries/],
    ['a learning rate that is not a number', ['--lr', '1e-3,abc'], /'abc' is not a positive number/],
    ['a zero weight decay (log axes)', ['--weight-decay', '0,0.1'], /'0' is not a positive number/],
    ['a repeated grid value', ['--weight-decay', '0.1,0.1'], /repeats a value/],
    ['a negative seed', ['--seeds', '-3'], /'-3' is not an integer >= 0/],
    ['more digits than the package holds', ['--train', '9000', '--test', '2000'], /more than the 10,000 digits/],
    ['a stray argument', ['quick'], /too many arguments/],
    ['a missing value', ['--epochs'], /argument missing/],
  ];
  for (const [label, args, message] of cases) {
    it(label, () => {
      const r = cli(args);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stdout).not.toMatch(/runs of/);
    });
  }

  it('--help exits 0 and documents the flags', () => {
    const r = cli(['--help']);
    expect(r.code).toBe(0);
    for (const flag of ['--full', '--sgd', '--lr', '--weight-decay', '--epochs', '--seeds', '--workers', '--out']) expect(r.stdout).toContain(flag);
  });
});

describe('a tiny grid run', () => {
  const out = mkdtempSync(join(tmpdir(), 'adam-vs-adamw-'));
  afterAll(() => rmSync(out, { recursive: true, force: true }));
  let run: ReturnType<typeof cli>;
  let results: ResultsFile;

  beforeAll(() => {
    run = cli(['--train', '150', '--test', '80', '--epochs', '1', '--lr', '0.01', '--weight-decay', '1e-3,0.1', '--hidden', '16', '--workers', '2', '--out', out]);
    results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as ResultsFile;
  }, 120_000);

  it('exits 0 and prints one plain progress line per run when stdout is not a terminal', () => {
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout.match(/^\[\d\/4\] (adam-l2|adamw) α=1e-2 λ=(1e-3|1e-1) seed 1: test error \d+\.\d\d% \(/gm)).toHaveLength(4);
    expect(run.stdout).toContain('best test error');
  });

  it('writes results.json with the documented shape', () => {
    expect(results.dataset).toMatchObject({ train: 150, test: 80 });
    expect(results.dataset.name).toMatch(/MNIST/);
    expect(results.epochs).toBe(1);
    expect(results.grid).toEqual({ lr: [0.01], weightDecay: [0.001, 0.1] });
    expect(results.model.layers).toEqual([784, 16, 10]);
    expect(results.runs).toHaveLength(4);
    for (const r of results.runs) {
      expect(['adam-l2', 'adamw']).toContain(r.optimizer);
      expect(r.lr).toBe(0.01);
      expect([0.001, 0.1]).toContain(r.weightDecay);
      expect(r.seed).toBe(1);
      expect(r.testError).toBeGreaterThanOrEqual(0);
      expect(r.testError).toBeLessThanOrEqual(1);
      // Test errors are counts out of 80 digits.
      expect(Number.isInteger(Math.round(r.testError * 80 * 1e6) / 1e6)).toBe(true);
      expect(r.trainLoss).toBeGreaterThan(0);
      expect(r.seconds).toBeGreaterThan(0);
      expect(r.curve).toHaveLength(1);
      expect(r.curve[0]!.testError).toBe(r.testError);
    }
    const pairs = results.runs.map((r) => `${r.optimizer} ${r.weightDecay}`).sort();
    expect(pairs).toEqual(['adam-l2 0.001', 'adam-l2 0.1', 'adamw 0.001', 'adamw 0.1']);
  });

  it('writes a heatmap per optimizer and the learning curves as SVG', () => {
    for (const file of ['heatmap-adam-l2.svg', 'heatmap-adamw.svg', 'curves.svg']) {
      const svg = readFileSync(join(out, file), 'utf8');
      expect(svg.startsWith('<svg')).toBe(true);
      expect(svg).toContain('test error');
    }
    expect(readFileSync(join(out, 'heatmap-adamw.svg'), 'utf8')).toContain('AdamW: test error');
  });

  it('writes report.md whose numbers are the results', () => {
    const report = readFileSync(join(out, 'report.md'), 'utf8');
    for (const s of results.summary) {
      expect(report).toContain(`${(s.bestTestError * 100).toFixed(2)}%`);
    }
    expect(report).toContain('150 training and 80 test digits');
    expect(report).toContain('](heatmap-adamw.svg)');
    expect(existsSync(join(out, 'curves.svg'))).toBe(true);
  });

  it('--from-results redraws the same report without training', () => {
    const again = mkdtempSync(join(tmpdir(), 'adam-vs-adamw-redraw-'));
    try {
      const r = cli(['--from-results', join(out, 'results.json'), '--out', again]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).not.toMatch(/^\[/m);
      expect(readFileSync(join(again, 'report.md'), 'utf8')).toBe(readFileSync(join(out, 'report.md'), 'utf8'));
    } finally {
      rmSync(again, { recursive: true, force: true });
    }
  });
});
