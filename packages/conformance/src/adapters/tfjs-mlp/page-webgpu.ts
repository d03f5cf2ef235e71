import '@tensorflow/tfjs-backend-webgpu';
import { exposeTrainer } from './page';

export const api = exposeTrainer('webgpu');
