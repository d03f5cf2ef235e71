import { planAdamWStep, type ResolvedAdamWOptions } from '@adamw/core';
import * as tf from '@tensorflow/tfjs-core';
import type { GradientEntry } from './gradients.js';
import type { SlotState } from './state.js';

/**
 * Whether every gradient is finite, computed on the device; reading the one
 * boolean back is the only synchronisation of the ops path.
 */
export function allFinite(entries: readonly GradientEntry[]): boolean {
  if (entries.length === 0) return true;
  const flag = tf.tidy(() => tf.all(tf.stack(entries.map((e) => tf.all(tf.isFinite(e.grad))))));
  try {
    return (flag.dataSync()[0] ?? 0) !== 0;
  } finally {
    flag.dispose();
  }
}

/**
 * Scales the gradients so that their global L2 norm is at most `maxNorm`,
 * on the device and without a read-back: factor = maxNorm / (‖g‖ + 1e-6),
 * applied only when below 1 (as `torch.nn.utils.clip_grad_norm_`). Call
 * inside `tidy`.
 */
function clipOnDevice(grads: tf.Tensor[], maxNorm: number): tf.Tensor[] {
  const squares = grads.map((g) => tf.sum(tf.square(g)));
  const norm = tf.sqrt(squares.length === 1 ? squares[0]! : tf.addN(squares));
  const factor = tf.div(tf.scalar(maxNorm), tf.add(norm, tf.scalar(1e-6)));
  const scale = tf.where(tf.less(factor, tf.scalar(1)), factor, tf.scalar(1));
  return grads.map((g) => tf.mul(g, scale));
}

/**
 * The AdamW update of one variable as tensor ops, the same sequence of
 * operations as `@adamw/core`'s reference kernel (its scalars from the same
 * `planAdamWStep`), so the two differ only where the kernel fuses a
 * multiply-add into one rounding:
 *
 * ```text
 * g  ← sign·g  (+ l2·θ)
 * θ  ← θ·keepBefore
 * m  ← β₁·m + (1−β₁)·g
 * v  ← β₂·v + (1−β₂)·g²
 * u  ← max(u, v / amsDivisor)  when AMSGrad, else v
 * θ  ← θ − stepSize·m / (√(u / vDivisor + epsRoot) / sqrtDivisor + ε)
 * θ  ← θ·keepAfter
 * ```
 *
 * Returns the new values of θ, m, v (and u); call inside `tidy`.
 */
function updateTensors(
  options: ResolvedAdamWOptions,
  t: number,
  theta: tf.Tensor,
  grad: tf.Tensor,
  m: tf.Tensor,
  v: tf.Tensor,
  vMax: tf.Tensor | undefined,
): { theta: tf.Tensor; m: tf.Tensor; v: tf.Tensor; vMax?: tf.Tensor } {
  const plan = planAdamWStep(options, t);
  const s = (x: number): tf.Scalar => tf.scalar(x, 'float32');
  let g = plan.sign < 0 ? tf.neg(grad) : grad;
  if (plan.l2 !== 0) g = tf.add(g, tf.mul(s(plan.l2), theta));
  let p = plan.keepBefore !== 1 ? tf.mul(theta, s(plan.keepBefore)) : theta;
  const m1 = tf.add(tf.mul(m, s(plan.beta1)), tf.mul(s(plan.oneMinusBeta1), g));
  const v1 = tf.add(tf.mul(v, s(plan.beta2)), tf.mul(tf.mul(s(plan.oneMinusBeta2), g), g));
  let second = v1;
  let vMax1: tf.Tensor | undefined;
  if (vMax !== undefined) {
    vMax1 = tf.maximum(vMax, plan.amsDivisor !== 1 ? tf.div(v1, s(plan.amsDivisor)) : v1);
    second = vMax1;
  }
  if (plan.vDivisor !== 1) second = tf.div(second, s(plan.vDivisor));
  if (plan.epsRoot !== 0) second = tf.add(second, s(plan.epsRoot));
  let denom = tf.sqrt(second);
  if (plan.sqrtDivisor !== 1) denom = tf.div(denom, s(plan.sqrtDivisor));
  denom = tf.add(denom, s(plan.eps));
  p = tf.add(p, tf.div(tf.mul(s(-plan.stepSize), m1), denom));
  if (plan.keepAfter !== 1) p = tf.mul(p, s(plan.keepAfter));
  return vMax1 === undefined ? { theta: p, m: m1, v: v1 } : { theta: p, m: m1, v: v1, vMax: vMax1 };
}

/**
 * One AdamW update of every entry as tensor ops inside one `tidy`: clip (on
 * the device) when asked, then assign the new values to the variables and
 * their moment variables. Every check has passed before this runs.
 */
export function updateWithOps(
  entries: readonly GradientEntry[],
  states: readonly SlotState[],
  options: readonly ResolvedAdamWOptions[],
  clipGlobalNorm: number | undefined,
): void {
  tf.tidy(() => {
    let grads = entries.map((e) => e.grad);
    if (clipGlobalNorm !== undefined) grads = clipOnDevice(grads, clipGlobalNorm);
    entries.forEach(({ variable }, k) => {
      const state = states[k]!;
      const d = state.device!;
      const t = state.step + 1;
      const next = updateTensors(options[k]!, t, variable, grads[k]!, d.m, d.v, d.vMax);
      variable.assign(next.theta);
      d.m.assign(next.m);
      d.v.assign(next.v);
      if (d.vMax !== undefined && next.vMax !== undefined) d.vMax.assign(next.vMax);
      state.step = t;
    });
  });
}
