// The page side of the tfjs-webgl and tfjs-webgpu adapters: trains a plan on
// the GPU backend the entry imported.
import * as tf from '@tensorflow/tfjs-core';
import { expose } from '../../browser/in-page';
import type { MlpPlan } from './plan';
import { trainPlan } from './train';

/** tfjs environment flags: booleans and numbers, by name. */
export type TfFlags = Record<string, boolean | number>;

/** What the page is asked to do. */
export interface TrainRequest {
  plan: MlpPlan;
  /** tfjs flags set before the backend starts (`{ WEBGL_PACK: false }`), for experiments. */
  flags?: TfFlags;
}

/** Exposes `train` for the backend `backend` (registered by the entry's import). */
export function exposeTrainer(backend: string) {
  return expose({
    train: async ({ plan, flags = {} }: TrainRequest) => {
      for (const [name, value] of Object.entries(flags)) tf.env().set(name, value);
      if (!(await tf.setBackend(backend))) throw new Error(`the tfjs ${backend} backend did not initialise in this browser`);
      await tf.ready();
      const result = await trainPlan(plan);
      // Every flag tfjs has evaluated so far, which includes the backend's precision and packing.
      return { ...result, flags: { ...(tf.env().getFlags() as TfFlags) }, tfjs: tf.version_core };
    },
  });
}
