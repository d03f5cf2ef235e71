import { describe, expect, it } from 'vitest';
import { runCell } from '../src/cell.js';
import { loadMnist, mnistSize } from '../src/mnist.js';
import { parseCli, CliExit } from '../src/options.js';
import { QUICK } from '../src/config.js';

describe('MNIST split', () => {
  it('holds the 10,000 digits of the mnist package', () => {
    expect(mnistSize()).toBe(10_000);
  });

  it('is seeded, disjoint, and has pixels in [0, 1] and every digit in the training set', () => {
    const a = loadMnist(500, 200, 0);
    const b = loadMnist(500, 200, 0);
    const c = loadMnist(500, 200, 1);
    expect(Array.from(a.train.y)).toEqual(Array.from(b.train.y));
    expect(Array.from(a.train.y)).not.toEqual(Array.from(c.train.y));
    expect(a.train.x.length).toBe(500 * 784);
    expect(a.test.x.length).toBe(200 * 784);
    const key = (x: Float32Array, r: number) => x.subarray(r * 784, (r + 1) * 784).join(',');
    const train = new Set(Array.from({ length: 500 }, (_, r) => key(a.train.x, r)));
    const overlap = Array.from({ length: 200 }, (_, r) => key(a.test.x, r)).filter((k) => train.has(k));
    expect(overlap).toEqual([]);
    expect(a.train.x.reduce((m, v) => Math.min(m, v), Infinity)).toBe(0);
    expect(a.train.x.reduce((m, v) => Math.max(m, v), -Infinity)).toBeLessThanOrEqual(1);
    expect(new Set(a.train.y).size).toBe(10);
  });

  it('refuses more digits than there are', () => {
    expect(() => loadMnist(9000, 1001, 0)).toThrow(/exceeds the 10000 digits/);
  });
});

describe('one grid cell', () => {
  it('learns, and the same job gives the same result', () => {
    const data = loadMnist(300, 200, 0);
    const config = { hidden: [16], epochs: 3, batchSize: 32 };
    const job = { id: 0, optimizer: 'adamw' as const, lr: 1e-2, weightDecay: 1e-2, seed: 3 };
    const first = runCell(job, config, data);
    const second = runCell(job, config, data);
    expect({ ...first, seconds: 0 }).toEqual({ ...second, seconds: 0 });
    expect(first.curve).toHaveLength(3);
    expect(first.testError).toBeLessThan(0.5);
    expect(first.curve[2]!.trainLoss).toBeLessThan(first.curve[0]!.trainLoss);
    const l2 = runCell({ ...job, optimizer: 'adam-l2' }, config, data);
    expect(l2.testError === first.testError && l2.trainLoss === first.trainLoss).toBe(false);
  });
});

describe('command-line options', () => {
  const io = { out: () => undefined, err: () => undefined };

  it('defaults to the quick preset with Adam-L2 and AdamW', () => {
    const c = parseCli([], io);
    expect(c.preset).toBe('quick');
    expect(c.lr).toEqual(QUICK.lr);
    expect(c.weightDecay).toEqual(QUICK.weightDecay);
    expect(c.optimizers).toEqual(['adam-l2', 'adamw']);
    expect(c.lr.length * c.weightDecay.length).toBeGreaterThanOrEqual(16);
    expect(c.out).toMatch(/out[\\/]adam-vs-adamw[\\/]?$/);
  });

  it('applies --full, --sgd and overrides', () => {
    const c = parseCli(['--full', '--sgd', '--epochs', '3', '--lr', '0.1,0.01', '--seeds', '4,5'], io);
    expect(c.preset).toBe('full');
    expect(c.train).toBe(8000);
    expect(c.epochs).toBe(3);
    expect(c.lr).toEqual([0.01, 0.1]);
    expect(c.seeds).toEqual([4, 5]);
    expect(c.optimizers).toEqual(['adam-l2', 'adamw', 'sgd-l2', 'sgdw']);
    expect(c.out).toMatch(/docs[\\/]data[\\/]adam-vs-adamw[\\/]?$/);
  });

  it('throws CliExit 2 on bad input', () => {
    let messages = '';
    expect(() => parseCli(['--hidden', '0'], { out: () => undefined, err: (s) => (messages += s) })).toThrow(CliExit);
    expect(messages).toMatch(/'0' is not an integer >= 1/);
  });
});
