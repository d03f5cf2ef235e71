// The page that runs the browser examples (examples/**/*.browser.ts) in
// Chromium for examples.test.ts: each is called with a `print` that collects
// its lines.
import { expose } from '@adamw/conformance/browser/in-page';
import * as ort from 'onnxruntime-web/wasm';
import { fineTune } from '../examples/onnxruntime/fine-tune.browser';
import { trainOnWebGL } from '../examples/tfjs/webgl.browser';

async function collect(run: (print: (line: string) => void) => Promise<void>): Promise<string[]> {
  const lines: string[] = [];
  await run((line) => lines.push(line));
  return lines;
}

export const BROWSER_EXAMPLES = {
  'tfjs/webgl.browser.ts': () => collect(trainOnWebGL),
  // ORT's WebAssembly and the model are files the test serves next to the page, as the site does.
  'onnxruntime/fine-tune.browser.ts': () =>
    collect(async (print) => {
      ort.env.wasm.wasmPaths = { wasm: '/ort/ort-wasm-simd-threaded.wasm' };
      ort.env.wasm.numThreads = 1;
      const model = new Uint8Array(await (await fetch('/classifier.onnx')).arrayBuffer());
      await fineTune({ ort, model, print });
    }),
};

export const api = expose(BROWSER_EXAMPLES);
export type BrowserExamplesApi = typeof api;
