/**
 * What moved from the main entry to `@adamw/onnxruntime/node`, kept working
 * in Node for one minor version with a deprecation warning: the checkpoint
 * file functions, and `onnxruntime-node` as the default `ort`. The main
 * entry imports nothing from Node: these load the Node entry by name at run
 * time, which bundlers for the browser leave alone.
 */
import type { OrtModule } from './trainer/ort-module.js';
import type { OrtTrainer } from './trainer/trainer.js';

const NODE_ENTRY = '@adamw/onnxruntime/node';

/** The parts of the Node entry used here. */
interface NodeEntry {
  loadOnnxruntimeNode(): Promise<OrtModule>;
  saveCheckpointFile(trainer: OrtTrainer, path: string): Promise<void>;
  loadCheckpointFile(trainer: OrtTrainer, path: string): Promise<void>;
}

interface NodeProcess {
  versions?: { node?: unknown };
  emitWarning?: (message: string, options: { type: string; code: string }) => void;
}

const nodeProcess = (): NodeProcess | undefined => (globalThis as { process?: NodeProcess }).process;

function inNode(): boolean {
  return typeof nodeProcess()?.versions?.node === 'string';
}

function nodeEntry(): Promise<NodeEntry> {
  const specifier: string = NODE_ENTRY;
  return import(/* @vite-ignore */ specifier) as Promise<NodeEntry>;
}

const warned = new Set<string>();

/** Warns once per process: a DeprecationWarning in Node (silenced by `--no-deprecation`), else the console. */
function deprecate(code: string, message: string): void {
  if (warned.has(code)) return;
  warned.add(code);
  const emit = nodeProcess()?.emitWarning;
  if (typeof emit === 'function') emit(message, { type: 'DeprecationWarning', code });
  else console.warn(`DeprecationWarning: ${message}`);
}

/**
 * The `ort` of a trainer created without one: outside Node an error; in
 * Node, `onnxruntime-node` with a deprecation warning (the next minor
 * version requires `ort` in the main entry).
 */
export async function deprecatedDefaultOrt(): Promise<OrtModule> {
  if (!inNode()) {
    throw new TypeError("options.ort is required: pass the ONNX Runtime module to train with (import * as ort from 'onnxruntime-web')");
  }
  deprecate(
    'ADAMW_ORT_DEFAULT_MODULE',
    "createOrtTrainer from '@adamw/onnxruntime' without options.ort is deprecated; the next minor version requires it. Pass ort (import * as ort from 'onnxruntime-node'), or import createOrtTrainer from '@adamw/onnxruntime/node', which defaults to onnxruntime-node.",
  );
  return (await nodeEntry()).loadOnnxruntimeNode();
}

async function movedToNode(name: string): Promise<NodeEntry> {
  if (!inNode()) throw new Error(`${name} reads and writes files, which needs Node: import it from '@adamw/onnxruntime/node'`);
  deprecate(
    'ADAMW_ORT_CHECKPOINT_FILES',
    `${name} from '@adamw/onnxruntime' is deprecated: import it from '@adamw/onnxruntime/node'. The next minor version removes it from the main entry, which runs in browsers and imports nothing from Node.`,
  );
  return nodeEntry();
}

/**
 * Saves `trainer.saveCheckpoint()` to `path` atomically.
 *
 * @deprecated Import it from `@adamw/onnxruntime/node`; the next minor
 * version removes it from the main entry.
 */
export async function saveCheckpointFile(trainer: OrtTrainer, path: string): Promise<void> {
  return (await movedToNode('saveCheckpointFile')).saveCheckpointFile(trainer, path);
}

/**
 * Reads a checkpoint file and restores it into `trainer`.
 *
 * @deprecated Import it from `@adamw/onnxruntime/node`; the next minor
 * version removes it from the main entry.
 */
export async function loadCheckpointFile(trainer: OrtTrainer, path: string): Promise<void> {
  return (await movedToNode('loadCheckpointFile')).loadCheckpointFile(trainer, path);
}
