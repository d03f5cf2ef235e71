import {
  ADAMW_ARENA_MAX_BYTES,
  createAdamWArena,
  initAdamWNamed,
  optionsFor,
  resolveAdamWOptions,
  type AdamWOptions,
  type AdamWState,
  type ParamRule,
} from '@adamw/core';
import type { ParameterArray } from './trainer.js';

/** The arrays a trainer owns: what ONNX Runtime reads (parameters), writes (gradients), and the AdamW states. */
export interface TrainingArrays {
  parameters: Record<string, ParameterArray>;
  gradients: Record<string, ParameterArray>;
  states: Record<string, AdamWState<ParameterArray>>;
}

/**
 * Parameters (copies of `initial`), zeroed gradients and fresh AdamW states,
 * all in one AdamW arena when they fit in one: the SIMD kernel then updates
 * them where they are, with no copies in and out of its memory (about a fifth
 * less time per update on an MNIST-sized model). ONNX Runtime reads and
 * writes them in place through tensors over the same memory. Larger models
 * get ordinary arrays. Every parameter's options are checked before anything
 * is allocated.
 */
export function allocateTrainingArrays(
  initial: Readonly<Record<string, ParameterArray>>,
  optimizer: AdamWOptions,
  rules: readonly ParamRule[],
): TrainingArrays {
  // Per parameter: itself, its gradient, m, v, and vMax with AMSGrad; 64 bytes of alignment each.
  let bytes = 0;
  for (const [name, p] of Object.entries(initial)) {
    const { amsgrad } = resolveAdamWOptions(optionsFor(name, optimizer, rules));
    bytes += (amsgrad ? 5 : 4) * (p.byteLength + 64);
  }
  const parameters: Record<string, ParameterArray> = {};
  const gradients: Record<string, ParameterArray> = {};
  if (bytes === 0 || bytes > ADAMW_ARENA_MAX_BYTES) {
    for (const [name, p] of Object.entries(initial)) {
      parameters[name] = p.slice();
      gradients[name] = p instanceof Float64Array ? new Float64Array(p.length) : new Float32Array(p.length);
    }
    return { parameters, gradients, states: initAdamWNamed(parameters, optimizer, rules) };
  }
  const arena = createAdamWArena(bytes);
  const states: Record<string, AdamWState<ParameterArray>> = {};
  for (const [name, p] of Object.entries(initial)) {
    parameters[name] = arena.copyOf(p);
    gradients[name] = p instanceof Float64Array ? arena.float64(p.length) : arena.float32(p.length);
    states[name] = arena.initAdamW(parameters[name]!, optionsFor(name, optimizer, rules));
  }
  return { parameters, gradients, states };
}

/** Copies `from` into the arrays of `into` (same names, types and lengths, checked before), keeping `into`'s arrays. */
export function copyStatesInto(
  into: Record<string, AdamWState<ParameterArray>>,
  from: Readonly<Record<string, AdamWState<ParameterArray>>>,
): void {
  for (const [name, s] of Object.entries(from)) {
    const target = into[name]!;
    target.step = s.step;
    target.m.set(s.m);
    target.v.set(s.v);
    if (s.vMax !== undefined) target.vMax!.set(s.vMax);
  }
}
