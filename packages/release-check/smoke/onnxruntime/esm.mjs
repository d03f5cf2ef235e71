// Imports @adamw/onnxruntime as an ESM consumer would and takes one training
// step of the fixture's model (torch.onnx.export'ed) three ways: the main
// entry with onnxruntime-node, the main entry with onnxruntime-web (its wasm
// build, in Node), and the Node entry with its default runtime and the model
// read from its file (and, deprecated, the main entry without ort).
import { readFileSync } from 'node:fs';
import * as ortNode from 'onnxruntime-node';
import * as ortWeb from 'onnxruntime-web';
import { createOrtTrainer } from '@adamw/onnxruntime';
import { createOrtTrainer as createNodeTrainer, saveCheckpointFile, loadCheckpointFile } from '@adamw/onnxruntime/node';

const f = JSON.parse(readFileSync('fixture.json', 'utf8'));
const name = 'lins.0.weight';
ortWeb.env.wasm.numThreads = 1;

async function oneStep(create, ort, model) {
  const trainer = await create({ model, optimizer: f.optimizer, ...(ort ? { ort } : {}) });
  const T = (ort ?? ortNode).Tensor;
  const before = Float32Array.from(trainer.parameters[name]);
  const rows = f.y.length;
  const loss = await trainer.step({
    x: new T('float32', Float32Array.from(f.x), [rows, f.layers[0]]),
    y: new T('int64', BigInt64Array.from(f.y.map(BigInt)), [rows]),
  });
  const changed = trainer.parameters[name].filter((x, i) => x !== before[i]).length;
  const stepCount = trainer.stepCount;
  await trainer.release();
  return { loss, stepCount, changed };
}

const node = await oneStep(createOrtTrainer, ortNode, readFileSync('model.onnx'));
const web = await oneStep(createOrtTrainer, ortWeb, readFileSync('model.onnx'));
const nodeEntry = await oneStep(createNodeTrainer, undefined, 'model.onnx');
// Deprecated for one minor version: the main entry without ort, in Node, falls back to onnxruntime-node.
const deprecatedDefault = await oneStep(createOrtTrainer, undefined, readFileSync('model.onnx'));
console.log(
  JSON.stringify({
    resolved: import.meta.resolve('@adamw/onnxruntime'),
    resolvedNode: import.meta.resolve('@adamw/onnxruntime/node'),
    files: typeof saveCheckpointFile === 'function' && typeof loadCheckpointFile === 'function',
    node,
    web,
    nodeEntry,
    deprecatedDefault,
  }),
);
