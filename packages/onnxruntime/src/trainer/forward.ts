import { decodeModel, encodeModel } from '../proto/codec.js';
import { makeTensor, tensorDims, writeFloatTensor } from '../proto/tensor.js';
import { DataType, type GraphProto, type ModelProto } from '../proto/types.js';

const EVAL_FLAG = 'adamw/dropout_training_mode_false';

/**
 * Switches every Dropout of the graph to inference mode (its
 * `training_mode` input becomes a constant false), so it is the identity.
 */
function dropoutToEval(graph: GraphProto): void {
  const replaced = new Set<string>();
  for (const node of graph.node ?? []) {
    if (node.opType !== 'Dropout' || (node.domain && node.domain !== 'ai.onnx')) continue;
    const ins = node.input ?? [];
    if (!ins[2] || ins[2] === EVAL_FLAG) continue;
    replaced.add(ins[2]);
    ins[2] = EVAL_FLAG;
  }
  if (replaced.size === 0) return;
  if (!(graph.initializer ?? []).some((t) => t.name === EVAL_FLAG)) {
    graph.initializer = [...(graph.initializer ?? []), makeTensor(EVAL_FLAG, DataType.BOOL, [], [0])];
  }
  // The old flags are now unread: drop their Constant nodes or initializers
  // (ONNX Runtime would warn about them otherwise).
  const read = new Set<string>((graph.node ?? []).flatMap((n) => n.input ?? []));
  for (const o of graph.output ?? []) read.add(o.name ?? '');
  const unread = (name: string): boolean => replaced.has(name) && !read.has(name);
  graph.node = (graph.node ?? []).filter((n) => !(n.opType === 'Constant' && (n.output ?? []).every(unread)));
  const inputs = new Set((graph.input ?? []).map((v) => v.name ?? ''));
  graph.initializer = (graph.initializer ?? []).filter((t) => !(unread(t.name ?? '') && !inputs.has(t.name ?? '')));
}

/**
 * Switches every BatchNormalization to inference mode (normalising with the
 * running statistics): `training_mode` 0 from opset 14, and only the
 * normalised output in every opset (opset 13's training form is the one with
 * the statistics outputs). Throws when a statistics output is read.
 */
function batchNormToEval(graph: GraphProto): void {
  const read = new Set<string>([...(graph.node ?? []).flatMap((n) => n.input ?? []), ...(graph.output ?? []).map((o) => o.name ?? '')]);
  for (const node of graph.node ?? []) {
    if (node.opType !== 'BatchNormalization' || (node.domain && node.domain !== 'ai.onnx')) continue;
    const extra = (node.output ?? []).slice(1).filter((o) => o && read.has(o));
    if (extra.length > 0)
      throw new Error(
        `BatchNormalization node '${node.name ?? ''}' has its statistics outputs read (${extra.join(', ')}), so it cannot be switched to inference mode`,
      );
    node.output = (node.output ?? []).slice(0, 1);
    for (const a of node.attribute ?? []) if (a.name === 'training_mode') a.i = 0;
  }
}

/**
 * The forward model for evaluation: the trained initializers (and the
 * running statistics in `buffers`) become graph inputs, so a run reads the
 * trainer's current arrays, and Dropout and BatchNormalization run in
 * inference mode, as after torch's `module.eval()`.
 */
export function evaluationModel(forward: Uint8Array, trainable: readonly string[], buffers: readonly string[] = []): Uint8Array {
  const model = decodeModel(forward);
  const graph = model.graph!;
  const names = new Set([...trainable, ...buffers]);
  const moved = (graph.initializer ?? []).filter((t) => names.has(t.name ?? ''));
  graph.initializer = (graph.initializer ?? []).filter((t) => !names.has(t.name ?? ''));
  graph.input = [
    ...(graph.input ?? []).filter((v) => !names.has(v.name ?? '')),
    ...moved.map((t) => ({
      name: t.name!,
      type: { tensorType: { elemType: t.dataType!, shape: { dim: tensorDims(t).map((d) => ({ dimValue: d })) } } },
    })),
  ];
  dropoutToEval(graph);
  batchNormToEval(graph);
  return encodeModel(model);
}

/** Options of the trainer's `exportModel`. */
export interface ExportOptions {
  /**
   * `'keep'` writes Dropout nodes as the forward model had them;
   * `'eval'` switches them to inference mode (identity). Default `'keep'`;
   * any other value (or an unknown option) throws a TypeError.
   */
  dropout?: 'keep' | 'eval';
  /**
   * `'keep'` writes BatchNormalization nodes as the forward model had them
   * (a training-mode export normalises with each batch's statistics);
   * `'eval'` switches them to inference mode, normalising with the running
   * statistics the trainer kept, as torch's `module.eval()`. Default `'keep'`.
   */
  batchNorm?: 'keep' | 'eval';
}

const EXPORT_KEYS = ['dropout', 'batchNorm'] as const;
const MODES = ['keep', 'eval'];

/** Throws a TypeError for options of `exportModel` that are not {@link ExportOptions}, naming what is valid. */
function checkExportOptions(options: unknown): ExportOptions {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new TypeError(
      `exportModel options must be an object { dropout, batchNorm }, got ${options === null ? 'null' : Array.isArray(options) ? 'an array' : typeof options}`,
    );
  }
  for (const key of Object.keys(options)) {
    if (!(EXPORT_KEYS as readonly string[]).includes(key))
      throw new TypeError(`exportModel: unknown option '${key}'; known options: ${EXPORT_KEYS.join(', ')}`);
  }
  for (const key of EXPORT_KEYS) {
    const mode: unknown = (options as ExportOptions)[key];
    if (mode !== undefined && !MODES.includes(mode as string)) {
      throw new TypeError(
        `exportModel: ${key} must be ${MODES.map((m) => `'${m}'`).join(' or ')}, got ${typeof mode === 'string' ? `'${mode}'` : String(mode)}`,
      );
    }
  }
  return options as ExportOptions;
}

/** The forward model with the given values written into its initializers. */
export function modelWithParameters(
  forward: Uint8Array,
  params: Readonly<Record<string, Float32Array | Float64Array>>,
  options: ExportOptions = {},
): Uint8Array {
  checkExportOptions(options);
  const model: ModelProto = decodeModel(forward);
  const graph = model.graph!;
  const byName = new Map((graph.initializer ?? []).map((t) => [t.name ?? '', t]));
  for (const [name, values] of Object.entries(params)) {
    const t = byName.get(name);
    if (t === undefined) throw new Error(`the forward model has no initializer '${name}'`);
    writeFloatTensor(t, values);
  }
  if (options.dropout === 'eval') dropoutToEval(graph);
  if (options.batchNorm === 'eval') batchNormToEval(graph);
  return encodeModel(model);
}
