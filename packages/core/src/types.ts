/** A flat array of parameters, gradients or moments. */
export type FloatArray = Float32Array | Float64Array;

/**
 * Which framework's arithmetic to reproduce. They agree on Adam's moments and
 * differ in where ε goes, when the decay is applied and what AMSGrad keeps:
 *
 * | convention    | denominator                      | decay applied to       | AMSGrad keeps |
 * | ------------- | -------------------------------- | ---------------------- | ------------- |
 * | `torch`       | √v / √(1−β₂ᵗ) + ε                | θₜ₋₁, before the step  | max of raw v  |
 * | `optax`       | √(v̂ + ε_root) + ε                | θₜ₋₁ (added to update) | max of v̂      |
 * | `keras`       | √v + ε (ε-hat), α·√(1−β₂ᵗ)/(1−β₁ᵗ) | θₜ₋₁, before the step  | max of raw v  |
 * | `huggingface` | √v + ε (ε-hat), optional bias corr. | θₜ, after the step     | max of raw v  |
 */
export type Convention = 'torch' | 'optax' | 'keras' | 'huggingface';

/** What to do when a gradient holds NaN or ±Infinity. */
export type NonFinitePolicy = 'propagate' | 'skip' | 'throw';

/**
 * What `nonFinite: 'skip' | 'throw'` looks at: `'grads'`, the gradients (one
 * scan of them), or `'result'`, the gradients and every value the step would
 * write (params, m, v, vMax), computed first on scratch copies, so that
 * nothing is written when one is NaN or ±Infinity.
 */
export type NonFiniteCheck = 'grads' | 'result';

/**
 * Options of one AdamW step. Every field is optional; the defaults are
 * `torch.optim.AdamW`'s.
 *
 * With α = `lr`, η = `scheduleMultiplier`, λ = `weightDecay` and the torch
 * convention, one step on θ with gradient g is:
 *
 * ```text
 * θ ← θ · (1 − α·η·λ)                 (decay: 'decoupled', decayScale: 'lr')
 * θ ← θ · (1 − η·λ)                   (decay: 'decoupled', decayScale: 'schedule')
 * g ← g + λ·θ                         (decay: 'l2', instead of the two above)
 * m ← β₁·m + (1 − β₁)·g
 * v ← β₂·v + (1 − β₂)·g²
 * θ ← θ − (α·η / (1 − β₁ᵗ)) · m / (√v / √(1 − β₂ᵗ) + ε)
 * ```
 */
export interface AdamWOptions {
  /**
   * α, the learning rate. Default `1e-3`.
   *
   * Values torch accepts and this library accepts too, with torch's
   * arithmetic, although they wreck training: lr·η·λ > 1 makes the decay
   * factor 1 − lr·η·λ negative, which flips the sign of every parameter each
   * step; `eps: 0` with a zero gradient and zero moments gives 0/0 = NaN;
   * lr·η so large that it overflows gives ±Infinity and NaN. `nonFinite:
   * 'throw'` refuses the overflowing scalars, and with `nonFiniteCheck:
   * 'result'` also the NaN.
   */
  lr?: number;
  /** β₁, decay rate of the first moment. Default `0.9`. */
  beta1?: number;
  /** β₂, decay rate of the second moment. Default `0.999`. */
  beta2?: number;
  /** ε, added to the denominator. Default `1e-8`. */
  eps?: number;
  /** λ, the weight decay. Default `1e-2`. */
  weightDecay?: number;
  /** Divide by the running maximum of the second moment (AMSGrad). Default `false`. */
  amsgrad?: boolean;
  /** Ascend instead of descend (negates the gradient). Default `false`. */
  maximize?: boolean;
  /**
   * `'decoupled'` (AdamW): the decay multiplies the parameter and never enters
   * the moments. `'l2'`: λ·θ is added to the gradient, which is Adam with L2
   * regularisation (`torch.optim.Adam(weight_decay=λ)`). Default `'decoupled'`.
   */
  decay?: 'decoupled' | 'l2';
  /**
   * `'lr'`: θ ← θ·(1 − α·η·λ), as torch, optax and Keras. `'schedule'`:
   * θ ← θ·(1 − η·λ), as the paper's Algorithm 2, so λ no longer depends on α.
   * Only used with `decay: 'decoupled'`. Default `'lr'`.
   */
  decayScale?: 'lr' | 'schedule';
  /** η, the schedule multiplier of this step; the step size is α·η. Default `1`. */
  scheduleMultiplier?: number;
  /** Whose arithmetic to reproduce. Default `'torch'`. */
  convention?: Convention;
  /**
   * `'propagate'` lets NaN/Infinity flow into the parameters, as torch does.
   * `'skip'` leaves parameters and state (the step count too) untouched when
   * any gradient is not finite. `'throw'` throws a `RangeError` and changes
   * nothing. With `'skip'` or `'throw'`, a step whose scalars are not finite
   * (lr·η overflowing, 1 − lr·η·λ overflowing; in float32 for Float32Arrays)
   * throws a `RangeError` naming the scalar and changes nothing: skipping
   * would skip every step. Default `'propagate'`.
   */
  nonFinite?: NonFinitePolicy;
  /**
   * What `'skip'` and `'throw'` check: `'grads'` (the gradients) or
   * `'result'` (the gradients, and every value the step would write: the
   * step is computed on scratch copies first, which costs about one more
   * step, and when any new parameter or moment would be NaN or ±Infinity the
   * policy applies and nothing is written). `'result'` catches what finite
   * gradients can still produce: ε = 0 with a zero gradient and zero moments
   * (0/0), g² overflowing v, a NaN already in the state. Only valid with
   * `'skip'` or `'throw'`. Default `'grads'`.
   */
  nonFiniteCheck?: NonFiniteCheck;
  /** optax's ε_root, added to v̂ inside the square root (optax convention only). Default `0`. */
  epsRoot?: number;
  /** Bias correction of the step size (huggingface convention only; `correct_bias`). Default `true`. */
  biasCorrection?: boolean;
}

/**
 * The state of AdamW for one flat array: the number of steps taken and the
 * moments, of the parameters' own type and length.
 */
export interface AdamWState<T extends FloatArray = FloatArray> {
  /** Steps taken so far; a plain number, exact up to 2^53. */
  step: number;
  /** First moment m. */
  m: T;
  /** Second moment v. */
  v: T;
  /** Running maximum of the second moment; present when created with `amsgrad: true`. */
  vMax?: T;
}
