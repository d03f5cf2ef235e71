// onnxruntime-web's WebGPU build, `import * as ort from 'onnxruntime-web/webgpu'`, as ONNX Runtime's
// documentation has WebGPU users import it.
import * as ort from 'onnxruntime-web/webgpu';
import { exposeRunners } from './runners-page';

export const api = exposeRunners(ort);
