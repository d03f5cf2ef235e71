// Oracles for the conventions of @adamw/core: the update rules of torch, optax,
// Keras, HuggingFace, TF Addons and the paper, one loop each.

/** The moments a rule keeps per element. */
export interface Slots {
  m: number[];
  v: number[];
  vMax: number[];
}

/** A framework's hyperparameters, as its own AdamW takes them. */
export interface FrameworkDefaults {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
}

/** One update of every element of p in place, at step t (from 1) with schedule multiplier eta. */
export type FrameworkRule = (p: number[], g: number[], s: Slots, t: number, d: FrameworkDefaults, eta: number, amsgrad: boolean) => void;

const moments = (g: number, s: Slots, i: number, d: FrameworkDefaults) => {
  s.m[i] = d.beta1 * s.m[i]! + (1 - d.beta1) * g;
  s.v[i] = d.beta2 * s.v[i]! + (1 - d.beta2) * g * g;
};

/**
 * The AdamW update of each framework, written out element by element in
 * float64 from its published source, independently of how `@adamw/core`
 * organises the arithmetic (plan and kernel): the oracles the conventions are
 * tested against.
 */
export const FRAMEWORK_RULES: Record<'torch' | 'optax' | 'keras' | 'huggingface' | 'tfa' | 'paper', FrameworkRule> = {
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

/** Fresh zero moments for n elements. */
export function zeroSlots(n: number): Slots {
  return { m: new Array<number>(n).fill(0), v: new Array<number>(n).fill(0), vMax: new Array<number>(n).fill(0) };
}
