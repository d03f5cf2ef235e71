import { copyFileSync, existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { consumerDependencies, smokeDir } from '../src/consumers.js';
import { smokeFixture } from '../src/fixture.js';
import { createConsumerProject, runConsumerScript } from '../src/install.js';
import { PUBLIC_PACKAGES, publicPackage, type PublicPackage } from '../src/workspace.js';
import { packedOrThrow } from './packed.js';

// One consumer project per package, installed in parallel: each sees only its
// own package, @adamw/core and its peers, as a user's project would.
const projects = new Map<string, Promise<string>>();

function projectFor(pkg: PublicPackage): Promise<string> {
  let project = projects.get(pkg.name);
  if (!project) {
    project = (async () => {
      const tarballs = Object.fromEntries([pkg.name, '@adamw/core'].map((name) => [name, packedOrThrow(name).tarball]));
      const dir = join(inject('workDir'), 'consumers', pkg.name.split('/')[1]!);
      await createConsumerProject(dir, consumerDependencies(pkg, tarballs));
      for (const f of readdirSync(smokeDir(pkg))) copyFileSync(join(smokeDir(pkg), f), join(dir, f));
      const fixture = smokeFixture();
      writeFileSync(join(dir, 'fixture.json'), JSON.stringify(fixture.json));
      writeFileSync(join(dir, 'model.onnx'), fixture.onnx);
      return dir;
    })();
    project.catch(() => {});
    projects.set(pkg.name, project);
  }
  return project;
}

beforeAll(() => {
  for (const pkg of PUBLIC_PACKAGES) {
    try {
      void projectFor(pkg);
    } catch {
      // A package that did not build fails its own tests below.
    }
  }
});

async function runBoth(pkg: PublicPackage): Promise<{ esm: Record<string, unknown>; cjs: Record<string, unknown> }> {
  const dir = await projectFor(pkg);
  const [esm, cjs] = await Promise.all([runConsumerScript(dir, 'esm.mjs'), runConsumerScript(dir, 'cjs.cjs')]);
  return { esm, cjs };
}

describe('@adamw/core, installed from its tarball', () => {
  const pkg = publicPackage('@adamw/core');
  it('imports (ESM and CommonJS, the same exports) and takes one AdamW step', async () => {
    const { esm, cjs } = await runBoth(pkg);
    expect(esm.resolved).toMatch(/node_modules\/@adamw\/core\/dist\/index\.js$/);
    expect(cjs.resolved).toMatch(/node_modules\/@adamw\/core\/dist\/index\.cjs$/);
    expect(esm.exports).toEqual(cjs.exports);
    expect(esm.exports).toContain('adamwStepInPlace');
    // The first step of Adam moves each weight by lr·g/(|g| + ε') after the decay θ·(1 − lr·λ).
    const lr = 0.1;
    const wd = 0.01;
    const p0 = [1, -2, 0.5];
    const g = [0.5, -0.25, 0];
    const expected = p0.map((p, i) => p * (1 - lr * wd) - (g[i] === 0 ? 0 : (lr * g[i]!) / Math.abs(g[i]!)));
    for (const result of [esm, cjs]) {
      expect(result.step).toBe(1);
      const params = result.params as number[];
      params.forEach((p, i) => expect(p).toBeCloseTo(expected[i]!, 6));
    }
    expect(esm.params).toEqual(cjs.params);
  });
});

describe('@adamw/trainer, installed from its tarball with the core tarball', () => {
  const pkg = publicPackage('@adamw/trainer');
  it("imports (ESM and CommonJS, main and /node entries) and trains one batch to torch's loss", async () => {
    const { esm, cjs } = await runBoth(pkg);
    expect(esm.resolved).toMatch(/node_modules\/@adamw\/trainer\/dist\/index\.js$/);
    expect(cjs.resolved).toMatch(/node_modules\/@adamw\/trainer\/dist\/index\.cjs$/);
    const { expectedLoss } = smokeFixture().json;
    for (const result of [esm, cjs]) {
      expect(result.node).toBe(true);
      expect(result.step).toBe(1);
      expect(result.changed).toBeGreaterThan(0);
      expect(Math.abs((result.loss as number) - expectedLoss)).toBeLessThan(1e-5 * Math.abs(expectedLoss));
    }
    expect(esm.loss).toBe(cjs.loss);
  });
});

describe('@adamw/tfjs, installed from its tarball with the core tarball and tfjs-core', () => {
  const pkg = publicPackage('@adamw/tfjs');
  it('imports (ESM and CommonJS), registers AdamW in the one tfjs copy and minimizes once on the cpu backend', async () => {
    const { esm, cjs } = await runBoth(pkg);
    expect(esm.resolved).toMatch(/node_modules\/@adamw\/tfjs\/dist\/index\.js$/);
    expect(cjs.resolved).toMatch(/node_modules\/@adamw\/tfjs\/dist\/index\.cjs$/);
    // As for core: θ(1 − lr·λ) − lr·sign(c) on the first step.
    const expected = [1, -2, 0.5].map((p, i) => p * (1 - 0.1 * 0.01) - 0.1 * Math.sign([0.5, -0.25, 0.75][i]!));
    for (const result of [esm, cjs]) {
      expect(result.backend).toBe('cpu');
      expect(result.isOptimizer).toBe(true);
      expect(result.registered).toBe(true);
      expect(result.iterations).toBe(1);
      (result.params as number[]).forEach((p, i) => expect(p).toBeCloseTo(expected[i]!, 5));
    }
  });
});

describe('@adamw/onnxruntime, installed from its tarball with the core tarball, onnxruntime-node (no install scripts) and onnxruntime-web', () => {
  const pkg = publicPackage('@adamw/onnxruntime');
  it("imports (ESM and CommonJS, main and /node entries) and takes one training step of torch's exported model at torch's loss, on either runtime", async () => {
    const { esm, cjs } = await runBoth(pkg);
    expect(esm.resolved).toMatch(/node_modules\/@adamw\/onnxruntime\/dist\/index\.js$/);
    expect(cjs.resolved).toMatch(/node_modules\/@adamw\/onnxruntime\/dist\/index\.cjs$/);
    expect(esm.resolvedNode).toMatch(/node_modules\/@adamw\/onnxruntime\/dist\/node\.js$/);
    expect(cjs.resolvedNode).toMatch(/node_modules\/@adamw\/onnxruntime\/dist\/node\.cjs$/);
    const { expectedLoss } = smokeFixture().json;
    for (const result of [esm, cjs]) {
      expect(result.files).toBe(true);
      for (const run of ['node', 'web', 'nodeEntry', 'deprecatedDefault']) {
        const r = result[run] as { loss: number; stepCount: number; changed: number };
        expect(r.stepCount, run).toBe(1);
        expect(r.changed, run).toBeGreaterThan(0);
        expect(Math.abs(r.loss - expectedLoss), run).toBeLessThan(1e-5 * Math.abs(expectedLoss));
      }
    }
    expect(esm.node).toEqual(cjs.node);
    expect(esm.nodeEntry).toEqual(esm.node);
    expect(esm.deprecatedDefault).toEqual(esm.node);
    expect(cjs.deprecatedDefault).toEqual(cjs.node);
  });
});

describe('smoke scripts', () => {
  it('exist for every public package', () => {
    for (const pkg of PUBLIC_PACKAGES) {
      expect(existsSync(join(smokeDir(pkg), 'esm.mjs')), pkg.name).toBe(true);
      expect(existsSync(join(smokeDir(pkg), 'cjs.cjs')), pkg.name).toBe(true);
    }
  });
});
