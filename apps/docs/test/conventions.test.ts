import { adamwStepInPlace, initAdamW, type AdamWOptions } from '@adamw/core';
import { describe, expect, it } from 'vitest';
import { FRAMEWORK_RULES, lcg, zeroSlots, type FrameworkRule } from '@adamw/test-utils';
import { CONVENTION_RECIPES, formatOptions, type ConventionRecipe } from '../src/conventions';

// Every row of the conventions table claims that its options reproduce a
// framework. Each framework's update is written out in @adamw/test-utils
// (FRAMEWORK_RULES) from its published source; the core step with the row's
// options must follow the same trajectory.

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

function trajectories(recipe: ConventionRecipe, rule: FrameworkRule, run: RunOptions): Trajectories {
  const next = lcg(42);
  const rand = () => next() - 0.5;
  const init = Array.from({ length: SIZE }, () => 2 * rand());
  const d = { ...recipe.defaults, weightDecay: run.weightDecay ?? recipe.defaults.weightDecay };
  const ref = [...init];
  const slots = zeroSlots(SIZE);
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
    for (const r of CONVENTION_RECIPES) expect(FRAMEWORK_RULES[r.id as keyof typeof FRAMEWORK_RULES], r.id).toBeTypeOf('function');
  });

  for (const recipe of CONVENTION_RECIPES) {
    const rule = FRAMEWORK_RULES[recipe.id as keyof typeof FRAMEWORK_RULES];
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
        const { reference, core } = trajectories(mixed, FRAMEWORK_RULES[other.id as keyof typeof FRAMEWORK_RULES], {
          amsgrad,
          scheduled: true,
          weightDecay: largeDecay(recipe),
        });
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
