import '@tensorflow/tfjs-backend-webgl';
import { exposeTrainer } from './page';

export const api = exposeTrainer('webgl');
