import { cosineWarmRestarts, normalizedWeightDecay } from '@adamw/core';
import { Mlp, Trainer } from '@adamw/trainer';
import { describe, expect, it } from 'vitest';
import { optimizerSpec, periodDecays, runCell, type CellConfig, type CellJob } from '../src/cell.js';
import { FULL, QUICK, optimizersFor, schedulePeriods } from '../src/config.js';
import { loadMnist, mnistSize } from '../src/mnist.js';
import { CliExit, parseCli } from '../src/options.js';
import { gridJobs } from '../src/run.js';

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

describe('optimizers and schedules', () => {
  it("decays in the paper's form by default and in torch's on request", () => {
    expect(optimizersFor(['adam', 'sgd'], 'paper')).toEqual(['adam-l2', 'adamw', 'sgd-l2', 'sgdw']);
    expect(optimizersFor(['adam'], 'torch')).toEqual(['adam-l2', 'adamw-torch']);
    expect(optimizersFor(['adam', 'sgd'], 'both')).toEqual(['adam-l2', 'adamw', 'adamw-torch', 'sgd-l2', 'sgdw', 'sgdw-torch']);
    expect(optimizerSpec('adamw', 1e-3, 0.01)).toEqual({ kind: 'adamw', options: { lr: 1e-3, weightDecay: 0.01, decayScale: 'schedule' } });
    expect(optimizerSpec('adamw-torch', 1e-3, 0.01)).toEqual({ kind: 'adamw', options: { lr: 1e-3, weightDecay: 0.01, decayScale: 'lr' } });
    expect(optimizerSpec('adam-l2', 1e-3, 0.01)).toEqual({ kind: 'adam', options: { lr: 1e-3, weightDecay: 0.01 } });
    expect(optimizerSpec('sgd-l2', 0.1, 0.01)).toEqual({ kind: 'sgd', options: { lr: 0.1, weightDecay: 0.01, momentum: 0.9 } });
    expect(optimizerSpec('sgdw', 0.1, 0.01)).toEqual({ kind: 'sgdw', options: { lr: 0.1, weightDecay: 0.01, momentum: 0.9, decayScale: 'schedule' } });
  });

  it('splits a warm-restart run into periods of 1, 2, 4… times the first', () => {
    expect(schedulePeriods({ kind: 'cosine' }, 12)).toEqual([{ start: 0, epochs: 12 }]);
    expect(schedulePeriods({ kind: 'restarts', period: 2 }, 14)).toEqual([
      { start: 0, epochs: 2 },
      { start: 2, epochs: 4 },
      { start: 6, epochs: 8 },
    ]);
    expect(schedulePeriods({ kind: 'restarts', period: 2 }, 10)).toMatch(/end a period after 2, 6, 14, 30, 62, … epochs, not after 10/);
  });

  it('normalizes λ by the length of each period', () => {
    const config: CellConfig = { hidden: [8], epochs: 3, batchSize: 50, schedule: { kind: 'restarts', period: 1 } };
    const decays = periodDecays(config, 200, 0.05);
    expect(decays.map((d) => d.epochs)).toEqual([1, 2]);
    expect(decays[0]!.weightDecay).toBeCloseTo(0.05 * Math.sqrt(50 / 200), 15);
    expect(decays[1]!.weightDecay).toBeCloseTo(0.05 * Math.sqrt(50 / 400), 15);
  });
});

describe('one grid cell', () => {
  const data = loadMnist(300, 200, 0);

  it('learns, records what it ran, and the same job gives the same result', () => {
    const config: CellConfig = { hidden: [16], epochs: 3, batchSize: 32, schedule: { kind: 'cosine' } };
    const job: CellJob = { id: 0, optimizer: 'adamw', lr: 1e-2, weightDecayNorm: 0.05, seed: 3 };
    const first = runCell(job, config, data);
    const second = runCell(job, config, data);
    expect({ ...first, seconds: 0 }).toEqual({ ...second, seconds: 0 });
    expect(first).toMatchObject({ optimizer: 'adamw', decayScale: 'schedule', lr: 1e-2, weightDecayNorm: 0.05 });
    expect(first.weightDecay).toBe(normalizedWeightDecay({ lambdaNorm: 0.05, batchSize: 32, trainSize: 300, epochs: 3 }));
    expect(first.curve).toHaveLength(3);
    expect(first.testError).toBeLessThan(0.5);
    expect(first.trainError).toBeLessThan(first.testError + 0.1);
    expect(first.weightNorm).toBeGreaterThan(0);
    expect(first.curve[2]!.trainLoss).toBeLessThan(first.curve[0]!.trainLoss);
    const l2 = runCell({ ...job, optimizer: 'adam-l2' }, config, data);
    expect(l2.decayScale).toBeNull();
    expect(l2.testError === first.testError && l2.trainLoss === first.trainLoss).toBe(false);
  });

  it("decays more in the paper's form than in torch's at the same λ when α < 1, and the weight norm shows it", () => {
    const config: CellConfig = { hidden: [16], epochs: 2, batchSize: 32, schedule: { kind: 'cosine' } };
    const job: CellJob = { id: 0, optimizer: 'adamw', lr: 1e-2, weightDecayNorm: 0.5, seed: 1 };
    const paper = runCell(job, config, data);
    const torch = runCell({ ...job, optimizer: 'adamw-torch' }, config, data);
    // η_t·λ against α·η_t·λ with α = 0.01: the paper's form shrinks the weights much more.
    expect(paper.weightNorm).toBeLessThan(torch.weightNorm);
  });

  it('under warm restarts continues one run across the periods, each with its own λ', () => {
    // With λ_norm = 0 every period has λ = 0, so the run equals one trainer over the same schedule without restores.
    const config: CellConfig = { hidden: [8], epochs: 3, batchSize: 50, schedule: { kind: 'restarts', period: 1 } };
    const job: CellJob = { id: 0, optimizer: 'adam-l2', lr: 1e-2, weightDecayNorm: 0, seed: 2 };
    const restarted = runCell(job, config, data);
    const model = new Mlp({ layers: [784, 8, 10], activation: 'relu', dtype: 'float32' }, { seed: 2 });
    const trainer = new Trainer(model, {
      loss: 'softmax-cross-entropy',
      optimizer: { kind: 'adam', options: { lr: 1e-2, weightDecay: 0 } },
      batchSize: 50,
      schedule: cosineWarmRestarts({ period: 6, periodMultiplier: 2 }),
      seed: 2,
    });
    const losses: number[] = [];
    trainer.fit({ x: data.train.x, y: data.train.y }, { epochs: 3, onEpoch: (e) => void losses.push(e.trainLoss) });
    expect(restarted.curve.map((p) => p.trainLoss)).toEqual(losses);
    // With decay, the second period's smaller λ changes the run.
    const decayed = runCell({ ...job, weightDecayNorm: 0.5 }, config, data);
    expect(decayed.curve.map((p) => p.trainLoss)).not.toEqual(losses);
  });
});

describe('command-line options', () => {
  const io = { out: () => undefined, err: () => undefined };

  it('defaults to the quick preset with both rows of Figure 2 in the paper form', () => {
    const c = parseCli([], io);
    expect(c.preset).toBe('quick');
    expect(c.optimizers).toEqual(['adam-l2', 'adamw', 'sgd-l2', 'sgdw']);
    expect(c.lr.adamw).toEqual(QUICK.lr.adam);
    expect(c.lr.sgdw).toEqual(QUICK.lr.sgd);
    expect(c.weightDecayNorm.adamw).toEqual(QUICK.weightDecayNorm.adamw);
    expect(c.schedule).toEqual({ kind: 'cosine' });
    expect(c.out).toMatch(/out[\\/]adam-vs-adamw[\\/]?$/);
    // Enough learning rates for a slope, enough weight decays for a region.
    expect(c.lr.adamw!.length).toBeGreaterThanOrEqual(5);
    expect(c.weightDecayNorm.adamw!.length).toBeGreaterThanOrEqual(5);
  });

  it('applies --full, --decay-form, --restarts and overrides', () => {
    const c = parseCli(
      ['--full', '--decay-form', 'both', '--family', 'adam', '--epochs', '14', '--restarts', '2', '--adam-lr', '0.01,0.001', '--seeds', '4,5'],
      io,
    );
    expect(c.preset).toBe('full');
    expect(c.train).toBe(FULL.train);
    expect(c.epochs).toBe(14);
    expect(c.optimizers).toEqual(['adam-l2', 'adamw', 'adamw-torch']);
    expect(c.lr['adamw-torch']).toEqual([0.001, 0.01]);
    expect(c.schedule).toEqual({ kind: 'restarts', period: 2 });
    expect(c.seeds).toEqual([4, 5]);
    expect(c.out).toMatch(/docs[\\/]data[\\/]adam-vs-adamw[\\/]?$/);
    expect(FULL.seeds.length).toBeGreaterThanOrEqual(3);
  });

  it("runs warm restarts over each preset's epochs with its default period", () => {
    expect(parseCli(['--restarts'], io).schedule).toEqual({ kind: 'restarts', period: QUICK.restartPeriod });
    expect(parseCli(['--full', '--restarts'], io).schedule).toEqual({ kind: 'restarts', period: FULL.restartPeriod });
  });

  it('converts --weight-decay to the normalized weight decay', () => {
    const c = parseCli(['--train', '1000', '--batch-size', '64', '--epochs', '16', '--weight-decay', '0.01'], io);
    expect(c.weightDecayNorm.adamw![0]).toBeCloseTo(0.01 / Math.sqrt(64 / 16000), 12);
  });

  it('lists every run of the grid once', () => {
    const c = parseCli(['--lr', '0.01,0.1', '--weight-decay-norm', '0.1,1,10', '--seeds', '1,2'], io);
    const jobs = gridJobs(c);
    expect(jobs).toHaveLength(4 * 2 * 3 * 2);
    expect(new Set(jobs.map((j) => `${j.optimizer} ${j.lr} ${j.weightDecayNorm} ${j.seed}`)).size).toBe(jobs.length);
  });

  it('throws CliExit 2 on bad input', () => {
    const refused = (args: string[]) => {
      let messages = '';
      try {
        parseCli(args, { out: () => undefined, err: (s) => (messages += s) });
      } catch (error) {
        expect(error).toBeInstanceOf(CliExit);
        expect((error as CliExit).code).toBe(2);
        return messages;
      }
      throw new Error(`${args.join(' ')} was accepted`);
    };
    expect(refused(['--hidden', '0'])).toMatch(/'0' is not an integer >= 1/);
    expect(refused(['--restarts', '5', '--epochs', '12'])).toMatch(/end a period after 5, 15, 35/);
    expect(refused(['--weight-decay', '0.1', '--weight-decay-norm', '1'])).toMatch(/not both/);
    expect(refused(['--family', 'rmsprop'])).toMatch(/'rmsprop' is not a family/);
  });
});
