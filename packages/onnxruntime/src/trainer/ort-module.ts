import type { InferenceSession, Tensor } from 'onnxruntime-common';
import { deprecatedDefaultOrt } from '../deprecated.js';

/**
 * The parts of an ONNX Runtime module the trainer uses: what both
 * `onnxruntime-web` and `onnxruntime-node` export (`import * as ort from
 * 'onnxruntime-web'`), typed by `onnxruntime-common`.
 */
export interface OrtModule {
  InferenceSession: { create(model: Uint8Array, options?: InferenceSession.SessionOptions): Promise<InferenceSession> };
  Tensor: new (type: Tensor.Type, data: Tensor.DataType, dims?: readonly number[]) => Tensor;
  /** ONNX Runtime's environment; `env.versions` names the runtime. */
  env?: { versions?: { node?: string; web?: string } };
}

function isOrtModule(x: unknown): x is OrtModule {
  const m = x as Partial<OrtModule> | null;
  return typeof m === 'object' && m !== null && typeof m.InferenceSession?.create === 'function' && typeof m.Tensor === 'function';
}

/**
 * Whether `session.run(feeds, fetches)` writes into the fetched tensors'
 * own arrays. onnxruntime-node does (its tensors wrap the arrays);
 * onnxruntime-web (1.30) copies preallocated outputs into its WebAssembly
 * memory, runs there, and does not copy the results back. Only a module
 * that says it is onnxruntime-node (`env.versions.node`) is trusted to;
 * any other gets its outputs fetched by name and copied, which is right
 * for every runtime.
 */
function writesInPlace(ort: OrtModule): boolean {
  return typeof ort.env?.versions?.node === 'string';
}

function isTensor(x: unknown): x is Tensor {
  return typeof x === 'object' && x !== null && typeof (x as Tensor).type === 'string' && 'data' in x;
}

/**
 * A session whose `run(feeds, fetches)` with preallocated outputs fetches
 * the outputs by name and copies them into the preallocated tensors'
 * arrays, for runtimes that do not write there themselves. Everything else
 * is the session's own.
 */
function copyingSession(session: InferenceSession): InferenceSession {
  const run = async (feeds: InferenceSession.FeedsType, fetches?: unknown, options?: InferenceSession.RunOptions) => {
    const outputs = new Set(session.outputNames);
    const targets = fetches !== null && typeof fetches === 'object' && !Array.isArray(fetches) ? Object.entries(fetches as Record<string, unknown>) : [];
    if (targets.length === 0 || !targets.every(([name, t]) => outputs.has(name) && (t === null || isTensor(t)))) {
      return session.run(feeds, fetches as InferenceSession.FetchesType, options);
    }
    const results = await session.run(
      feeds,
      targets.map(([name]) => name),
      options,
    );
    // Every output is checked before any array is written.
    for (const [name, target] of targets) {
      const result = results[name]!;
      const into = target as Tensor | null;
      if (into !== null && (result.type !== into.type || result.size !== into.size)) {
        throw new Error(
          `output '${name}' is ${result.type} [${result.dims.join(', ')}], but the tensor preallocated for it is ${into.type} [${into.dims.join(', ')}]`,
        );
      }
    }
    const out: Record<string, InferenceSession.ReturnType[string]> = {};
    for (const [name, target] of targets) {
      const result = results[name]!;
      if (target === null) {
        out[name] = result;
        continue;
      }
      const into = target as Tensor;
      (into.data as Float32Array).set(result.data as Float32Array);
      out[name] = into;
    }
    return out;
  };
  return new Proxy(session, {
    get(target, property) {
      if (property === 'run') return run;
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

/**
 * The ONNX Runtime module a trainer runs on: `ort` as given (a module
 * namespace or its default export), checked; without one, the deprecated
 * Node default (see `deprecated.ts`). When the runtime may not fill
 * preallocated outputs (onnxruntime-web), its sessions are wrapped so that
 * the trainer's gradient and loss arrays still receive every run's results.
 */
export async function resolveOrt(ort: unknown): Promise<OrtModule> {
  const given = ort === undefined ? await deprecatedDefaultOrt() : ort;
  const mod = isOrtModule(given) ? given : (given as { default?: unknown } | null)?.default;
  if (!isOrtModule(mod)) {
    throw new TypeError(
      "options.ort must be an ONNX Runtime module with InferenceSession.create and Tensor (import * as ort from 'onnxruntime-web', or from 'onnxruntime-node')",
    );
  }
  if (writesInPlace(mod)) return mod;
  return {
    Tensor: mod.Tensor,
    InferenceSession: {
      create: async (model, options) => copyingSession(await mod.InferenceSession.create(model, options)),
    },
  };
}
