import { describe, expect, it } from 'vitest';
import { FRAMEWORK_RULES, zeroSlots } from '@adamw/test-utils';
import { adamwStepInPlace, initAdamW, type AdamWOptions } from '../src/index.js';

// Worked examples for the conventions that cannot run here (optax, Keras,
// HuggingFace). Each expected value is derived from the framework's published
// update rule, written out below independently of the core's plan/kernel split.

const close = (a: number, b: number, rel = 1e-13) => expect(Math.abs(a - b)).toBeLessThanOrEqual(rel * Math.max(1, Math.abs(b)));

function run(options: AdamWOptions, p0: number[], grads: number[][]): number[] {
  const params = new Float64Array(p0);
  const state = initAdamW(params, options);
  for (const g of grads) adamwStepInPlace(params, new Float64Array(g), state, options);
  return Array.from(params);
}

describe('first step, derived by hand', () => {
  // At t = 1 with β₁ = 0.9, β₂ = 0.999: m = 0.1·g, v = 0.001·g², so the
  // bias-corrected m̂ = g and v̂ = g², and √(1 − β₂) = √0.001.
  const p = 0.8;
  const g = -0.3;
  const lr = 0.05;
  const wd = 0.2;
  const eps = 1e-3; // large on purpose so that where ε sits shows in the result

  it('optax: θ − lr·(m̂/(√(v̂ + ε_root) + ε) + λ·θ)', () => {
    // optax.adamw = chain(scale_by_adam, add_decayed_weights(λ), scale_by_learning_rate(lr))
    const epsRoot = 1e-4;
    const expected = p - lr * (g / (Math.sqrt(g * g + epsRoot) + eps) + wd * p);
    close(run({ convention: 'optax', lr, weightDecay: wd, eps, epsRoot }, [p], [[g]])[0]!, expected);
  });

  it('keras: decay first, then ε-hat: θ·(1 − lr·λ) − lr·g/(|g| + ε/√(1 − β₂))', () => {
    // Keras: var −= var·λ·lr; α = lr·√(1−β₂ᵗ)/(1−β₁ᵗ); var −= m·α/(√v + ε).
    // With m = 0.1g, v = 0.001g²: m·α/(√v + ε) = lr·g/(|g| + ε/√0.001).
    const expected = p * (1 - lr * wd) - (lr * g) / (Math.abs(g) + eps / Math.sqrt(0.001));
    close(run({ convention: 'keras', lr, weightDecay: wd, eps }, [p], [[g]])[0]!, expected);
  });

  it('huggingface: the same ε-hat step, decay applied afterwards to the updated θ', () => {
    const stepped = p - (lr * g) / (Math.abs(g) + eps / Math.sqrt(0.001));
    close(run({ convention: 'huggingface', lr, weightDecay: wd, eps }, [p], [[g]])[0]!, stepped * (1 - lr * wd));
  });

  it('huggingface without bias correction: step size lr, √v = √0.001·|g|', () => {
    const stepped = p - (lr * 0.1 * g) / (Math.sqrt(0.001) * Math.abs(g) + eps);
    close(run({ convention: 'huggingface', biasCorrection: false, lr, weightDecay: wd, eps }, [p], [[g]])[0]!, stepped * (1 - lr * wd));
  });

  it('torch: ε after the bias correction: θ·(1 − lr·λ) − lr·g/(|g| + ε)', () => {
    close(run({ lr, weightDecay: wd, eps }, [p], [[g]])[0]!, p * (1 - lr * wd) - (lr * g) / (Math.abs(g) + eps));
  });

  it("the paper's Algorithm 2 (decayScale: 'schedule'): θ − η·(α·m̂/(√v̂ + ε) + λ·θ)", () => {
    const eta = 0.5;
    const expected = p - eta * ((lr * g) / (Math.abs(g) + eps) + wd * p);
    close(run({ lr, weightDecay: wd, eps, scheduleMultiplier: eta, decayScale: 'schedule' }, [p], [[g]])[0]!, expected);
  });
});

describe('several steps against each published rule', () => {
  const b1 = 0.9;
  const b2 = 0.99;
  const lr = 0.01;
  const wd = 0.05;
  const eps = 1e-6;
  const p0 = [0.5, -1.5, 2];
  const grads = [
    [0.1, -0.2, 0.05],
    [0.3, 0.1, -0.4],
    [-0.2, 0.2, 0.1],
    [0.05, -0.5, 0.3],
  ];

  // The published rules, written out once in @adamw/test-utils.
  function reference(kind: 'optax' | 'keras' | 'huggingface', amsgrad: boolean): number[] {
    const p = [...p0];
    const slots = zeroSlots(p.length);
    grads.forEach((g, k) => FRAMEWORK_RULES[kind](p, g, slots, k + 1, { lr, beta1: b1, beta2: b2, eps, weightDecay: wd }, 1, amsgrad));
    return p;
  }

  for (const kind of ['optax', 'keras', 'huggingface'] as const) {
    for (const amsgrad of kind === 'huggingface' ? [false] : [false, true]) {
      it(`${kind}${amsgrad ? ' + amsgrad' : ''}`, () => {
        const got = run({ convention: kind, amsgrad, lr, weightDecay: wd, eps, beta1: b1, beta2: b2 }, p0, grads);
        reference(kind, amsgrad).forEach((x, i) => close(got[i]!, x, 1e-12));
      });
    }
  }
});

describe('conventions reduce to each other where their formulas coincide', () => {
  const p0 = [0.3, -0.7, 1.1, 0];
  const grads = [
    [0.2, -0.1, 0.4, 0.01],
    [0.1, 0.3, -0.2, 0.02],
    [-0.3, 0.2, 0.1, -0.05],
  ];
  const base = { lr: 0.02, weightDecay: 0.1, beta1: 0.8, beta2: 0.95 };
  const same = (a: number[], b: number[]) => a.forEach((x, i) => close(x, b[i]!, 1e-12));

  it('keras equals torch when ε = 0 (ε-hat and ε differ only by the factor √(1−β₂ᵗ))', () => {
    same(run({ ...base, eps: 0, convention: 'keras' }, p0, grads), run({ ...base, eps: 0 }, p0, grads));
  });
  it('optax equals torch with ε_root = 0', () => {
    same(run({ ...base, eps: 1e-3, convention: 'optax' }, p0, grads), run({ ...base, eps: 1e-3 }, p0, grads));
  });
  it('huggingface equals keras without weight decay', () => {
    const o = { ...base, weightDecay: 0, eps: 1e-3 };
    same(run({ ...o, convention: 'huggingface' }, p0, grads), run({ ...o, convention: 'keras' }, p0, grads));
  });
  it("decayScale 'schedule' equals 'lr' with λ divided by lr", () => {
    same(run({ ...base, eps: 1e-8, decayScale: 'schedule', weightDecay: 0.1 }, p0, grads), run({ ...base, eps: 1e-8, weightDecay: 0.1 / base.lr }, p0, grads));
  });
  it('weight decay 0 makes decoupled and l2 the same Adam', () => {
    same(run({ ...base, weightDecay: 0, decay: 'l2' }, p0, grads), run({ ...base, weightDecay: 0 }, p0, grads));
  });
});
