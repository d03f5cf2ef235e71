// onnxruntime-web's default build, as `import * as ort from 'onnxruntime-web'` gets it: the wasm provider
// (and the older, JavaScript-side WebGPU provider, which the webgpu adapter does not use).
import * as ort from 'onnxruntime-web';
import { exposeRunners } from './runners-page';

export const api = exposeRunners(ort);
