import { adamwStepInPlace, initAdamW, type AdamWOptions } from '@adamw/core';
import { describe, expect, it } from 'vitest';
import { CONVENTION_RECIPES, formatOptions, type ConventionRecipe } from '../src/conventions';

// Every row of the conventions table claims that its options reproduce a
// framework. Each framework's update is written out below from its published
// source, element by element in float64, independently of how @adamw/core
// organises the arithmetic; the core step with the row's options must follow
// the same trajectory.

interface Slots {
  m: number[];
  v: number[];
  vMax: number[];
}

type Rule = (p: number[], g: number[], s: Slots, t: number, d: ConventionRecipe['defaults'], eta: number, amsgrad: boolean) => void;

const moments = (g: number, s: Slots, i: number, d: ConventionRecipe['defaults']) => {
  s.m[i] = d.beta1 * s.m[i]! + (1 - d.beta1) * g;
  s.v[i] = d.beta2 * s.v[i]! + (1 - d.beta2) * g * g;
};

const RULES: Record<string, Rule> = {
  // torch: p·(1 − lr·λ); denominator √v/√(1−β₂ᵗ) + ε; step lr/(1−β₁ᵗ); AMSGrad on raw v.
  torch(p, g, s, t, d, eta, amsgrad) {
    const lr = d.lr * eta;
    for (let i = 0; i < p.length; i++) {
      p[i] = p[i]! * (1 - lr * d.weightDecay);
      moments(g[i]!, s, i, d);
      s.vMax[i] = Math.max(s.vMax[i]!, s.v[i]!);
      const v = amsgrad ? s.vMax[i]! : s.v[i]!;
      p[i] = p[i]! - ((lr / (1 - d.beta1 ** t)) * s.m[i]!) / (Math.sqrt(v) / Math.sqrt(1 - d.beta2 ** t) + d.eps);
    }
  },
  // optax: u = m̂/(√(v̂ + ε_root) + ε) + λ·p; p − lr·u. optax.amsgrad keeps the max of v̂.
  optax(p, g, s, t, d, eta, amsgrad) {
    const lr = d.lr * eta;
    for (let i = 0; i < p.length; i++) {
      moments(g[i]!, s, i, d);
      const mHat = s.m[i]! / (1 - d.beta1 ** t);
      let vHat = s.v[i]! / (1 - d.beta2 ** t);
      s.vMax[i] = Math.max(s.vMax[i]!, vHat);
      if (amsgrad) vHat = s.vMax[i]!;
      const u = mHat / (Math.sqrt(vHat + 0) + d.eps) + d.weightDecay * p[i]!;
      p[i] = p[i]! - lr * u;
    }
  },
  // Keras 3: var −= var·λ·lr; α = lr·√(1−β₂ᵗ)/(1−β₁ᵗ); var −= m·α/(√v + ε).
  keras(p, g, s, t, d, eta, amsgrad) {
    const lr = d.lr * eta;
    for (let i = 0; i < p.length; i++) {
      p[i] = p[i]! - p[i]! * d.weightDecay * lr;
      moments(g[i]!, s, i, d);
      s.vMax[i] = Math.max(s.vMax[i]!, s.v[i]!);
      const v = amsgrad ? s.vMax[i]! : s.v[i]!;
      const alpha = (lr * Math.sqrt(1 - d.beta2 ** t)) / (1 - d.beta1 ** t);
      p[i] = p[i]! - (s.m[i]! * alpha) / (Math.sqrt(v) + d.eps);
    }
  },
  // transformers AdamW: the ε-hat step first, then p += −lr·λ·p on the updated p.
  huggingface(p, g, s, t, d, eta) {
    const lr = d.lr * eta;
    for (let i = 0; i < p.length; i++) {
      moments(g[i]!, s, i, d);
      const stepSize = (lr * Math.sqrt(1 - d.beta2 ** t)) / (1 - d.beta1 ** t);
      p[i] = p[i]! - (stepSize * s.m[i]!) / (Math.sqrt(s.v[i]!) + d.eps);
      p[i] = p[i]! + -lr * d.weightDecay * p[i]!;
    }
  },
  // TF Addons: var −= wd·var (absolute), then Keras' legacy Adam with ε-hat.
  tfa(p, g, s, t, d, eta, amsgrad) {
    const lr = d.lr * eta;
    for (let i = 0; i < p.length; i++) {
      p[i] = p[i]! - d.weightDecay * eta * p[i]!;
      moments(g[i]!, s, i, d);
      s.vMax[i] = Math.max(s.vMax[i]!, s.v[i]!);
      const v = amsgrad ? s.vMax[i]! : s.v[i]!;
      const alpha = (lr * Math.sqrt(1 - d.beta2 ** t)) / (1 - d.beta1 ** t);
      p[i] = p[i]! - (s.m[i]! * alpha) / (Math.sqrt(v) + d.eps);
    }
  },
  // Algorithm 2: θ ← θ − η·(α·m̂/(√v̂ + ε) + λ·θ), both terms from θₜ₋₁.
  paper(p, g, s, t, d, eta) {
    for (let i = 0; i < p.length; i++) {
      moments(g[i]!, s, i, d);
      const mHat = s.m[i]! / (1 - d.beta1 ** t);
      const vHat = s.v[i]! / (1 - d.beta2 ** t);
      p[i] = p[i]! - eta * ((d.lr * mHat) / (Math.sqrt(vHat) + d.eps) + d.weightDecay * p[i]!);
    }
  },
};

/** A small deterministic generator so that the trajectories are repeatable. */
function lcg(seed: number): () => number {
  let x = seed >>> 0;
  return () => {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    return x / 2 ** 32 - 0.5;
  };
}

const STEPS = 40;
const SIZE = 16;
// A schedule that is not constant, so that η's role in each rule is exercised.
const eta = (t: number) => 0.5 + 0.5 * Math.cos((Math.PI * (t - 1)) / STEPS);

interface Trajectories {
  reference: number[];
  core: number[];
}

interface RunOptions {
  amsgrad: boolean;
  /** Multiply the step by a cosine η(t) instead of 1. */
  scheduled: boolean;
  /** Replaces λ in both the framework's defaults and the row's options. */
  weightDecay?: number;
}

function trajectories(recipe: ConventionRecipe, rule: Rule, run: RunOptions): Trajectories {
  const rand = lcg(42);
  const init = Array.from({ length: SIZE }, () => 2 * rand());
  const d = { ...recipe.defaults, weightDecay: run.weightDecay ?? recipe.defaults.weightDecay };
  const ref = [...init];
  const slots: Slots = { m: new Array(SIZE).fill(0), v: new Array(SIZE).fill(0), vMax: new Array(SIZE).fill(0) };
  const params = Float64Array.from(init);
  const base: AdamWOptions = { ...recipe.options, amsgrad: run.amsgrad };
  if (run.weightDecay !== undefined) base.weightDecay = run.weightDecay;
  const state = initAdamW(params, base);
  for (let t = 1; t <= STEPS; t++) {
    // Gradients of a quadratic pulled towards 0.3, plus noise; each side
    // differentiates at its own θ.
    const noise = Array.from({ length: SIZE }, () => 0.1 * rand());
    const g = ref.map((x, i) => 2 * (x - 0.3) + noise[i]!);
    const gCore = Float64Array.from(params, (x, i) => 2 * (x - 0.3) + noise[i]!);
    const e = run.scheduled ? eta(t) : 1;
    rule(ref, g, slots, t, d, e, run.amsgrad);
    adamwStepInPlace(params, gCore, state, run.scheduled ? { ...base, scheduleMultiplier: e } : base);
  }
  return { reference: ref, core: Array.from(params) };
}

/** A λ large enough that a wrong decay rule shows: 1% per step either way. */
function largeDecay(recipe: ConventionRecipe): number {
  return recipe.options.decayScale === 'schedule' ? 0.01 : 0.01 / recipe.defaults.lr;
}

function maxRelDiff(a: readonly number[], b: readonly number[]): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!) / Math.max(Math.abs(b[i]!), 1e-3));
  return worst;
}

const AMSGRAD = new Set(['torch', 'optax', 'keras', 'tfa']);

describe('the conventions table', () => {
  it('has one row per framework the page compares, each with a rule here', () => {
    expect(CONVENTION_RECIPES.map((r) => r.id)).toEqual(['torch', 'optax', 'keras', 'huggingface', 'tfa', 'paper']);
    for (const r of CONVENTION_RECIPES) expect(RULES[r.id], r.id).toBeTypeOf('function');
  });

  for (const recipe of CONVENTION_RECIPES) {
    const rule = RULES[recipe.id]!;
    describe(`${recipe.framework}: ${formatOptions(recipe.options)}`, () => {
      it('follows the framework over 40 steps at its defaults', () => {
        const { reference, core } = trajectories(recipe, rule, { amsgrad: false, scheduled: false });
        expect(maxRelDiff(core, reference)).toBeLessThan(1e-12);
      });

      it('follows it with a schedule and a large weight decay', () => {
        const { reference, core } = trajectories(recipe, rule, { amsgrad: false, scheduled: true, weightDecay: largeDecay(recipe) });
        expect(maxRelDiff(core, reference)).toBeLessThan(1e-12);
      });

      if (AMSGRAD.has(recipe.id)) {
        it('follows its AMSGrad', () => {
          const { reference, core } = trajectories(recipe, rule, { amsgrad: true, scheduled: true, weightDecay: largeDecay(recipe) });
          expect(maxRelDiff(core, reference)).toBeLessThan(1e-12);
        });
      }
    });
  }

  it('tells the frameworks apart: no row reproduces another framework', () => {
    // The checks above would prove little if every rule computed the same
    // thing. torch and optax share their algebra except for AMSGrad (and
    // ε_root), so pairs that both have AMSGrad are compared with it on.
    for (const recipe of CONVENTION_RECIPES) {
      for (const other of CONVENTION_RECIPES) {
        if (other.id === recipe.id) continue;
        const mixed = { ...other, defaults: recipe.defaults, options: recipe.options };
        const amsgrad = AMSGRAD.has(recipe.id) && AMSGRAD.has(other.id);
        const { reference, core } = trajectories(mixed, RULES[other.id]!, { amsgrad, scheduled: true, weightDecay: largeDecay(recipe) });
        expect(maxRelDiff(core, reference), `${recipe.id} options against the ${other.id} rule`).toBeGreaterThan(1e-9);
      }
    }
  });

  it('formats options as a reader would type them', () => {
    expect(formatOptions({})).toBe('{}');
    expect(formatOptions({ convention: 'keras', eps: 1e-7, weightDecay: 0.004, amsgrad: true })).toBe(
      "{ convention: 'keras', eps: 1e-7, weightDecay: 0.004, amsgrad: true }",
    );
  });
});
