import type { AdamWOptions } from '@adamw/core';

/**
 * One framework's AdamW as the conventions page tabulates it, with the
 * `@adamw/core` options that reproduce it at that framework's defaults. The
 * page renders these objects and `test/conventions.test.ts` runs every one of
 * them against the framework's update rule written out independently, so the
 * table cannot drift from what the options compute.
 */
export interface ConventionRecipe {
  /** Stable key (also the anchor of the row). */
  id: string;
  /** The framework and the optimizer. */
  framework: string;
  /** The constructor with its defaults. */
  signature: string;
  /** Where ε goes in the denominator. */
  eps: string;
  /** Which θ the weight decay multiplies, and when. */
  decayTiming: string;
  /** What scales λ. */
  decayScale: string;
  /** What AMSGrad keeps the running maximum of. */
  amsgrad: string;
  /** The framework's default hyper-parameters (the ones the options below copy). */
  defaults: { lr: number; beta1: number; beta2: number; eps: number; weightDecay: number };
  /** `@adamw/core` options that compute this framework's step at its defaults. */
  options: AdamWOptions;
  /** What else to set, per step or otherwise, and what cannot be reproduced. */
  notes: string;
}

/** The frameworks the conventions page compares, with the core options for each. */
export const CONVENTION_RECIPES: readonly ConventionRecipe[] = [
  {
    id: 'torch',
    framework: 'PyTorch torch.optim.AdamW',
    signature: 'AdamW(params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2, amsgrad=False)',
    eps: '√v / √(1−β₂ᵗ) + ε',
    decayTiming: 'θₜ₋₁, before the moments',
    decayScale: 'lr·λ (lr includes the scheduler)',
    amsgrad: 'raw v',
    defaults: { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 1e-2 },
    options: {},
    notes:
      'The defaults. With an LR scheduler pass its factor as scheduleMultiplier each step. ' +
      "torch.optim.Adam(weight_decay=λ) is decay: 'l2'. Float32 results match torch bit for bit (see the conformance table).",
  },
  {
    id: 'optax',
    framework: 'optax.adamw',
    signature: 'adamw(learning_rate, b1=0.9, b2=0.999, eps=1e-8, eps_root=0.0, weight_decay=1e-4, mask=None)',
    eps: '√(v̂ + ε_root) + ε',
    decayTiming: 'θₜ₋₁, added to the scaled update',
    decayScale: 'lr·λ',
    amsgrad: 'bias-corrected v̂ (optax.amsgrad)',
    defaults: { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 1e-4 },
    options: { convention: 'optax', weightDecay: 1e-4, epsRoot: 0 },
    notes:
      'optax evaluates schedules at the 0-based count: pass schedule(t − 1) as scheduleMultiplier on step t. ' +
      'A mask is a ParamRule list (noDecayRule). Scalars are float64 here where optax uses float32, so float32 results can differ in the last bit.',
  },
  {
    id: 'keras',
    framework: 'Keras 3 keras.optimizers.AdamW',
    signature: 'AdamW(learning_rate=0.001, weight_decay=0.004, beta_1=0.9, beta_2=0.999, epsilon=1e-7, amsgrad=False)',
    eps: '√v + ε (ε-hat); step α·√(1−β₂ᵗ)/(1−β₁ᵗ)',
    decayTiming: 'θₜ₋₁, before the moments',
    decayScale: 'lr·λ',
    amsgrad: 'raw v',
    defaults: { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-7, weightDecay: 0.004 },
    options: { convention: 'keras', eps: 1e-7, weightDecay: 0.004 },
    notes:
      "exclude_from_weight_decay is a noDecayRule with the same names. ε-hat equals torch's ε divided by √(1−β₂ᵗ), so the two differ most in the first steps.",
  },
  {
    id: 'huggingface',
    framework: 'HuggingFace transformers AdamW (≤ 4.49); ONNX Runtime AdamWOptimizer adam_mode=1',
    signature: 'AdamW(params, lr=1e-3, betas=(0.9, 0.999), eps=1e-6, weight_decay=0.0, correct_bias=True)',
    eps: '√v + ε (ε-hat); optional bias correction',
    decayTiming: 'θₜ, after the Adam step',
    decayScale: 'lr·λ',
    amsgrad: 'none',
    defaults: { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-6, weightDecay: 0 },
    options: { convention: 'huggingface', eps: 1e-6, weightDecay: 0 },
    notes:
      "correct_bias=False is biasCorrection: false. ONNX Runtime's onnxblock AdamW builds this mode (adam_mode=1) with the same defaults; " +
      'its adam_mode=0 is the torch convention.',
  },
  {
    id: 'tfa',
    framework: 'TensorFlow Addons tfa.optimizers.AdamW',
    signature: 'AdamW(weight_decay, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, amsgrad=False)',
    eps: '√v + ε (ε-hat)',
    decayTiming: 'θₜ₋₁, before the moments',
    decayScale: 'λ alone (absolute, not multiplied by lr)',
    amsgrad: 'raw v',
    defaults: { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-7, weightDecay: 1e-4 },
    options: { convention: 'keras', decayScale: 'schedule', scheduleMultiplier: 1, eps: 1e-7, weightDecay: 1e-4 },
    notes:
      "weight_decay is required there; 1e-4 stands in for it. With decayScale: 'schedule' the decay is η·λ, so η = 1 gives TFA's absolute decay. " +
      'When both lr and weight_decay follow the same schedule s(t), pass s(t) as scheduleMultiplier; when they follow different ones, pass the current weight_decay as weightDecay each step.',
  },
  {
    id: 'paper',
    framework: 'The paper (Loshchilov & Hutter, Algorithm 2)',
    signature: 'α = 0.001, β₁ = 0.9, β₂ = 0.999, ε = 1e-8, λ, schedule multiplier ηₜ',
    eps: '√v̂ + ε',
    decayTiming: 'θₜ₋₁, in the same update',
    decayScale: 'ηₜ·λ (not α)',
    amsgrad: 'none',
    defaults: { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 1e-2 },
    options: { decayScale: 'schedule', weightDecay: 1e-2 },
    notes:
      'Pass ηₜ as scheduleMultiplier each step (cosineWarmRestarts gives AdamWR) and λ from normalizedWeightDecay. ' +
      "λ has no default in the paper; 1e-2 stands in for it. The authors' Lua code uses ε-hat: add convention: 'keras' to match it.",
  },
];

/** Formats options as the TypeScript object literal a reader would type. */
export function formatOptions(options: AdamWOptions): string {
  const entries = Object.entries(options);
  if (entries.length === 0) return '{}';
  const parts = entries.map(([key, value]) => `${key}: ${formatValue(value)}`);
  return `{ ${parts.join(', ')} }`;
}

/** One option value as TypeScript source. */
export function formatValue(value: unknown): string {
  if (typeof value === 'string') return `'${value}'`;
  // Small numbers read as 1e-7, not as String(1e-7)'s 0.0000001.
  if (typeof value === 'number' && value !== 0 && Math.abs(value) < 1e-3) return value.toExponential();
  return String(value);
}
