import type { ResolvedAdamWOptions } from './options.js';

/**
 * The scalars of one AdamW step, computed once per step in float64 (as torch
 * does on the host) and shared by every kernel. Each convention is a choice of
 * these numbers; the element loop is the same for all of them:
 *
 * ```text
 * g  ← sign·g  (+ l2·θ)
 * θ  ← θ·keepBefore
 * m  ← β₁·m + (1−β₁)·g
 * v  ← β₂·v + (1−β₂)·g²
 * vMax  ← max(vMax, v / amsDivisor)  when AMSGrad, else v
 * θ  ← θ − stepSize·m / (√(vMax / vDivisor + epsRoot) / sqrtDivisor + ε)
 * θ  ← θ·keepAfter
 * ```
 */
export interface AdamWPlan {
  /** −1 when maximising, else 1. */
  sign: number;
  /** λ for the L2 mode, 0 for decoupled decay. */
  l2: number;
  /** Factor on θ before the update (decoupled decay of torch, optax, Keras). */
  keepBefore: number;
  /** Factor on θ after the update (decoupled decay of HuggingFace / ONNX Runtime mode 1). */
  keepAfter: number;
  beta1: number;
  oneMinusBeta1: number;
  beta2: number;
  oneMinusBeta2: number;
  /** Divides v before the AMSGrad maximum: 1 keeps the raw v (torch, Keras), 1−β₂ᵗ keeps v̂ (optax). */
  amsDivisor: number;
  /** Divides the second moment inside the square root (optax's v̂), else 1. */
  vDivisor: number;
  epsRoot: number;
  /** Divides the square root (torch's √(1−β₂ᵗ)), else 1. */
  sqrtDivisor: number;
  eps: number;
  /** Multiplies m / denominator. */
  stepSize: number;
}

/** The scalars for step number `t` (1 on the first step). */
export function planAdamWStep(o: ResolvedAdamWOptions, t: number): AdamWPlan {
  const lr = o.lr * o.scheduleMultiplier;
  const decayed = o.decay === 'decoupled' && o.weightDecay !== 0;
  const decayFactor = o.decayScale === 'lr' ? lr * o.weightDecay : o.scheduleMultiplier * o.weightDecay;
  const keep = decayed ? 1 - decayFactor : 1;
  // Bias corrections from the exact integer step, in float64 (torch does this on the host).
  const bc1 = 1 - o.beta1 ** t;
  const bc2 = 1 - o.beta2 ** t;
  const bc2Sqrt = Math.sqrt(bc2);
  const plan: AdamWPlan = {
    sign: o.maximize ? -1 : 1,
    l2: o.decay === 'l2' ? o.weightDecay : 0,
    keepBefore: keep,
    keepAfter: 1,
    beta1: o.beta1,
    oneMinusBeta1: 1 - o.beta1,
    beta2: o.beta2,
    oneMinusBeta2: 1 - o.beta2,
    amsDivisor: 1,
    vDivisor: 1,
    epsRoot: 0,
    sqrtDivisor: bc2Sqrt,
    eps: o.eps,
    stepSize: lr / bc1,
  };
  switch (o.convention) {
    case 'torch':
      break;
    case 'optax':
      // v̂ = v/(1−β₂ᵗ) under the root with ε_root; AMSGrad keeps the max of v̂.
      plan.sqrtDivisor = 1;
      plan.epsRoot = o.epsRoot;
      if (o.amsgrad) plan.amsDivisor = bc2;
      else plan.vDivisor = bc2;
      break;
    case 'keras':
      // ε-hat: ε is added to √v of the uncorrected v; the correction moves into the step size.
      plan.sqrtDivisor = 1;
      plan.stepSize = (lr * bc2Sqrt) / bc1;
      break;
    case 'huggingface':
      plan.sqrtDivisor = 1;
      plan.stepSize = o.biasCorrection ? (lr * bc2Sqrt) / bc1 : lr;
      plan.keepBefore = 1;
      plan.keepAfter = keep;
      break;
  }
  return plan;
}
