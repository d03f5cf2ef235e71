import { ADAMW_ARENA_MAX_BYTES, createAdamWArena, initAdamW, type AdamWOptions, type AdamWState } from '@adamw/core';
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
 * get ordinary arrays. `optionsOf` gives each parameter's checked options.
 */
export function allocateTrainingArrays(initial: Readonly<Record<string, ParameterArray>>, optionsOf: (name: string) => AdamWOptions): TrainingArrays {
  // Per parameter: itself, its gradient, m, v, and vMax with AMSGrad; 64 bytes of alignment each.
  let bytes = 0;
  for (const [name, p] of Object.entries(initial)) bytes += (optionsOf(name).amsgrad === true ? 5 : 4) * (p.byteLength + 64);
  const parameters: Record<string, ParameterArray> = {};
  const gradients: Record<string, ParameterArray> = {};
  if (bytes === 0 || bytes > ADAMW_ARENA_MAX_BYTES) {
    for (const [name, p] of Object.entries(initial)) {
      parameters[name] = p.slice();
      gradients[name] = p instanceof Float64Array ? new Float64Array(p.length) : new Float32Array(p.length);
    }
    const states: Record<string, AdamWState<ParameterArray>> = {};
    for (const [name, p] of Object.entries(parameters)) states[name] = initAdamW(p, optionsOf(name));
    return { parameters, gradients, states };
  }
  const arena = createAdamWArena(bytes);
  const states: Record<string, AdamWState<ParameterArray>> = {};
  for (const [name, p] of Object.entries(initial)) {
    parameters[name] = arena.copyOf(p);
    gradients[name] = p instanceof Float64Array ? arena.float64(p.length) : arena.float32(p.length);
    states[name] = arena.initAdamW(parameters[name]!, optionsOf(name));
  }
  return { parameters, gradients, states };
}
