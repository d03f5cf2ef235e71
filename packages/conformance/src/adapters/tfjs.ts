import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import type { TrajectoryAdapter } from '../adapters';
import type { Dtype } from '../fixtures';
import { planOf } from './tfjs-mlp/plan';
import { toTrajectoryResult } from './tfjs-mlp/result';
import { trainPlan } from './tfjs-mlp/train';

/**
 * `@adamw/tfjs`: the fixture's MLP as a tfjs-layers model of Dense layers on
 * tfjs's cpu backend, trained with `optimizer.minimize` and the `adamw`
 * optimizer (see `tfjs-mlp/train.ts`; the same code runs in Chromium for
 * `tfjs-webgl` and `tfjs-webgpu`).
 *
 * tfjs computes in float32 only: float64 fixtures run in float32 and can only
 * be held to float32 tolerances (`computeDtype`).
 */
export const adapter: TrajectoryAdapter & { computeDtype: Dtype } = {
  name: 'tfjs',
  computeDtype: 'float32',
  async run(f) {
    // Before any backend is initialised, getBackend() is undefined.
    const previous = tf.getBackend() as string | undefined;
    await tf.setBackend('cpu');
    try {
      return toTrajectoryResult(await trainPlan(planOf(f)));
    } finally {
      if (previous !== undefined && previous !== 'cpu') await tf.setBackend(previous);
    }
  },
};
