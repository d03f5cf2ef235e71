// tf.train.adam on tfjs's cpu and wasm backends, as the yardstick for the core
// step: one optimizer update of a variable of n float32 parameters with fixed
// gradients, so that only the optimizer is timed.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';

export type TfBackend = 'cpu' | 'wasm';

/** A ready tf.train.adam update on the backend, and a way to free its tensors. */
export interface TfAdamStep {
  step: () => void;
  dispose: () => void;
}

let counter = 0;

export async function prepareTfAdam(backend: TfBackend, n: number): Promise<TfAdamStep> {
  tf.env().set('PROD', true);
  if (!(await tf.setBackend(backend))) throw new Error(`tfjs backend ${backend} did not start`);
  await tf.ready();
  const variable = tf.variable(tf.randomNormal([n], 0, 1, 'float32', 1), true, `core-bench-${backend}-${counter++}`);
  const grad = tf.randomNormal([n], 0, 0.1, 'float32', 2);
  const optimizer = tf.train.adam(1e-3, 0.9, 0.999, 1e-8);
  const grads = [{ name: variable.name, tensor: grad }];
  // The first update creates the optimizer's slot variables; leave it out of the timing.
  optimizer.applyGradients(grads);
  return {
    step: () => optimizer.applyGradients(grads),
    dispose: () => {
      optimizer.dispose();
      variable.dispose();
      grad.dispose();
    },
  };
}

/** The tfjs-core version that is measured. */
export const TFJS_VERSION: string = tf.version_core;
