import * as tf from '@tensorflow/tfjs-core';
import { countTensor, readCount } from './count.js';
import type { NamedTensor } from './gradients.js';
import { baseName, type ConcretePath } from './options.js';
import { checkSecondMoments } from './restore-checks.js';

/** Moments of one variable as host arrays (the `'arrays'` path). */
export interface HostMoments {
  m: Float32Array;
  v: Float32Array;
  vMax?: Float32Array;
}

/** Moments of one variable as non-trainable tf variables (the `'ops'` path). */
export interface DeviceMoments {
  m: tf.Variable;
  v: tf.Variable;
  vMax?: tf.Variable;
}

/**
 * The AdamW state of one model variable: its step count and its moments,
 * held in the form of the path that last used them.
 */
export interface SlotState {
  shape: number[];
  size: number;
  step: number;
  host?: HostMoments | undefined;
  device?: DeviceMoments | undefined;
  /** Restored by `setWeights` and not yet matched to a live variable. */
  restored: boolean;
}

const SUFFIXES = ['m', 'v', 'vMax', 'step'] as const;
type Suffix = (typeof SUFFIXES)[number];

function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

function momentNames(amsgrad: boolean): ('m' | 'v' | 'vMax')[] {
  return amsgrad ? ['m', 'v', 'vMax'] : ['m', 'v'];
}

/**
 * The optimizer's states, by variable name. Names are the engine's variable
 * names, so the state follows a variable whatever order or subset of
 * variables a step receives.
 */
export class StateStore {
  private readonly states = new Map<string, SlotState>();
  /** Tensors handed out by `toWeights` that the store owns until the next call. */
  private lent: tf.Tensor[] = [];

  constructor(private readonly amsgrad: boolean) {}

  get size(): number {
    return this.states.size;
  }

  get(name: string): SlotState | undefined {
    return this.states.get(name);
  }

  names(): string[] {
    return [...this.states.keys()];
  }

  /**
   * Finds the state for a live variable, without changing anything: its own,
   * else a restored one that has not been claimed yet, by exact name, by the
   * name tfjs deduplicated (`kernel_1` for a saved `kernel`), or by the
   * deduplicated names of both; the first in saved order wins. Throws when the
   * restored state found has another shape.
   */
  find(name: string, shape: readonly number[], taken: ReadonlySet<string>): { key: string; state: SlotState } | undefined {
    const own = this.states.get(name);
    if (own !== undefined && !own.restored) {
      if (!tf.util.arraysEqual(own.shape, shape as number[])) {
        throw new RangeError(
          `the AdamW state of '${name}' has shape [${own.shape.join(', ')}] but the variable now has shape [${shape.join(', ')}]; call dispose() on the optimizer to start over`,
        );
      }
      return { key: name, state: own };
    }
    const base = baseName(name);
    const candidates = [...this.states].filter(([key, s]) => s.restored && !taken.has(key));
    const match = candidates.find(([key]) => key === name) ?? candidates.find(([key]) => key === base) ?? candidates.find(([key]) => baseName(key) === base);
    if (match === undefined) return undefined;
    const [key, state] = match;
    if (!tf.util.arraysEqual(state.shape, shape as number[])) {
      throw new RangeError(`restored AdamW state '${key}' has shape [${state.shape.join(', ')}] but variable '${name}' has shape [${shape.join(', ')}]`);
    }
    return { key, state };
  }

  /** Files `state` under `name` (moving it from `key` when it was restored under another name). */
  claim(name: string, key: string, state: SlotState): void {
    if (key !== name) this.states.delete(key);
    state.restored = false;
    this.states.set(name, state);
  }

  /** A fresh state (step 0, zero moments) in the form `path` uses. */
  create(name: string, shape: readonly number[], path: ConcretePath): SlotState {
    const state: SlotState = { shape: [...shape], size: sizeOf(shape), step: 0, restored: false };
    this.convert(state, path);
    this.states.set(name, state);
    return state;
  }

  /** Moves the moments into the form `path` uses (a no-op when they are in it). */
  convert(state: SlotState, path: ConcretePath): void {
    if (path === 'arrays' && state.host === undefined) {
      const host = {} as HostMoments;
      for (const k of momentNames(this.amsgrad)) {
        const variable = state.device?.[k];
        host[k] = variable === undefined ? new Float32Array(state.size) : Float32Array.from(variable.dataSync() as Float32Array);
      }
      this.disposeDevice(state);
      state.host = host;
    } else if (path === 'ops' && state.device === undefined) {
      const device = {} as DeviceMoments;
      for (const k of momentNames(this.amsgrad)) {
        const values = state.host?.[k];
        device[k] = tf.tidy(() => tf.variable(values === undefined ? tf.zeros(state.shape) : tf.tensor(values, state.shape, 'float32'), false));
      }
      state.host = undefined;
      state.device = device;
    }
  }

  private disposeDevice(state: SlotState): void {
    if (state.device === undefined) return;
    for (const k of momentNames(this.amsgrad)) state.device[k]?.dispose();
    state.device = undefined;
  }

  private releaseLent(): void {
    tf.dispose(this.lent);
    this.lent = [];
  }

  /** Disposes every tensor the store holds and forgets every state. */
  clear(): void {
    for (const state of this.states.values()) this.disposeDevice(state);
    this.states.clear();
    this.releaseLent();
  }

  /**
   * The states as named tensors for `getWeights`, variable by variable:
   * `<name>/m`, `<name>/v`, (`<name>/vMax`,) `<name>/step`. Moments held as
   * variables are returned as they are; tensors made for the call (host
   * moments, step counts) stay owned by the store and are disposed at the
   * next call or by {@link clear}.
   */
  toWeights(): NamedTensor[] {
    this.releaseLent();
    const out: NamedTensor[] = [];
    for (const [name, state] of this.states) {
      for (const k of momentNames(this.amsgrad)) {
        const variable = state.device?.[k];
        let tensor: tf.Tensor;
        if (variable !== undefined) tensor = variable;
        else {
          const values = state.host?.[k] ?? new Float32Array(state.size);
          tensor = tf.tensor(values.slice(), state.shape, 'float32');
          this.lent.push(tensor);
        }
        out.push({ name: `${name}/${k}`, tensor });
      }
      const step = countTensor(state.step);
      this.lent.push(step);
      out.push({ name: `${name}/step`, tensor: step });
    }
    return out;
  }

  /** Keeps `tensor` alive until the next {@link toWeights} or {@link clear}. */
  lend<T extends tf.Tensor>(tensor: T): T {
    this.lent.push(tensor);
    return tensor;
  }

  /**
   * Replaces every state with the ones in `weights` (as `toWeights` wrote
   * them), copied into the form `path` uses; the caller keeps ownership of
   * the tensors. Everything is checked before anything is replaced. The
   * restored states are matched to live variables by name at the next step.
   */
  async fromWeights(weights: readonly NamedTensor[], path: ConcretePath): Promise<void> {
    const groups = new Map<string, Partial<Record<Suffix, tf.Tensor>>>();
    for (const [i, w] of weights.entries()) {
      const name = w?.name;
      const slash = typeof name === 'string' ? name.lastIndexOf('/') : -1;
      const suffix = slash >= 0 ? (name as string).slice(slash + 1) : '';
      if (!(SUFFIXES as readonly string[]).includes(suffix) || !(w.tensor instanceof tf.Tensor)) {
        throw new TypeError(
          `AdamW weights[${i + 1}] (${JSON.stringify(name)}) is not an AdamW state tensor; expected '<variable>/m', '/v', '/vMax' or '/step'`,
        );
      }
      if (suffix === 'vMax' && !this.amsgrad) {
        throw new TypeError(`AdamW weights hold '${name}' but this optimizer has amsgrad: false`);
      }
      const variable = (name as string).slice(0, slash);
      const group = groups.get(variable) ?? {};
      if (group[suffix as Suffix] !== undefined) throw new TypeError(`AdamW weights hold '${name}' twice`);
      group[suffix as Suffix] = w.tensor;
      groups.set(variable, group);
    }
    const parsed: [string, SlotState, Record<string, Float32Array>][] = [];
    for (const [variable, group] of groups) {
      for (const k of [...momentNames(this.amsgrad), 'step'] as Suffix[]) {
        if (group[k] === undefined) throw new TypeError(`AdamW weights have no '${variable}/${k}'`);
      }
      const shape = group.m!.shape;
      for (const k of momentNames(this.amsgrad)) {
        const t = group[k]!;
        if (t.dtype !== 'float32') throw new TypeError(`AdamW weight '${variable}/${k}' has dtype ${t.dtype}, expected float32`);
        if (!tf.util.arraysEqual(t.shape, shape)) {
          throw new RangeError(`AdamW weight '${variable}/${k}' has shape [${t.shape.join(', ')}] but '${variable}/m' has [${shape.join(', ')}]`);
        }
      }
      const step = await readCount(group.step!, `${variable}/step`);
      const host: Record<string, Float32Array> = {};
      for (const k of momentNames(this.amsgrad)) host[k] = Float32Array.from((await group[k]!.data()) as Float32Array);
      checkSecondMoments(variable, host);
      parsed.push([variable, { shape: [...shape], size: sizeOf(shape), step, restored: true }, host]);
    }
    this.clear();
    for (const [variable, state, host] of parsed) {
      state.host = host as unknown as HostMoments;
      this.convert(state, path);
      this.states.set(variable, state);
    }
  }
}
