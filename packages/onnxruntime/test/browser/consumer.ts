// A small application of the main entry, bundled by the browser test with
// esbuild and with Vite as a user's project would be: it fetches an ONNX
// model and a batch, trains with onnxruntime-web's wasm execution provider
// and leaves the losses in `window.adamwResult`.
import { createOrtTrainer } from '@adamw/onnxruntime';
import * as ort from 'onnxruntime-web';

interface Batch {
  x: number[];
  y: number[];
  rows: number;
  steps: number;
}

async function bytes(path: string): Promise<Uint8Array> {
  const response = await fetch(path);
  if (!response.ok) throw new Error(`GET ${path}: ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
}

async function train(): Promise<{ losses: number[]; evaluated: number; exported: number; ort: string }> {
  // Where the page serves ONNX Runtime's .wasm files, when not next to the bundle (Vite puts them there itself).
  const wasmPaths = new URLSearchParams(location.search).get('wasmPaths');
  if (wasmPaths !== null) ort.env.wasm.wasmPaths = wasmPaths;
  ort.env.wasm.numThreads = 1;
  const batch = JSON.parse(new TextDecoder().decode(await bytes('/batch.json'))) as Batch;
  const trainer = await createOrtTrainer({
    model: await bytes('/model.onnx'),
    ort,
    optimizer: { lr: 0.05, weightDecay: 0.01 },
    sessionOptions: { executionProviders: ['wasm'] },
  });
  const feeds = () => ({
    x: new ort.Tensor('float32', Float32Array.from(batch.x), [batch.rows, 4]),
    y: new ort.Tensor(
      'int64',
      BigInt64Array.from(batch.y, (v) => BigInt(v)),
      [batch.rows],
    ),
  });
  const losses: number[] = [];
  for (let i = 0; i < batch.steps; i++) losses.push(await trainer.step(feeds()));
  const evaluated = await trainer.evaluate(feeds());
  const exported = trainer.exportModel().length;
  await trainer.release();
  return { losses, evaluated, exported, ort: ort.env.versions.web ?? '' };
}

const target = window as unknown as { adamwResult?: unknown; adamwError?: string };
train().then(
  (result) => {
    target.adamwResult = result;
  },
  (e: unknown) => {
    target.adamwError = e instanceof Error ? (e.stack ?? e.message) : String(e);
  },
);
