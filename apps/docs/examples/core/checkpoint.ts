import { adamwStepInPlace, deserializeCheckpoint, initAdamW, serializeCheckpoint, type AdamWState } from '@adamw/core';

// Train for 50 steps, save parameters and optimizer state to bytes, load them
// into fresh objects and train 50 more: the result is bit for bit the same
// as 100 uninterrupted steps.
const gradient = (w: Float32Array) => w.map((x, i) => 2 * (x - i) + Math.sin(i));

function train(params: Float32Array, state: AdamWState<Float32Array>, steps: number): void {
  for (let s = 0; s < steps; s++) adamwStepInPlace(params, gradient(params), state, { lr: 0.02 });
}

const straight = new Float32Array([3, -1, 2]);
train(straight, initAdamW(straight), 100);

const params = new Float32Array([3, -1, 2]);
const state = initAdamW(params);
train(params, state, 50);
const bytes: Uint8Array = serializeCheckpoint({ params: { w: params }, states: { w: state }, meta: { epoch: 1 } });

const restored = deserializeCheckpoint(bytes);
const resumedParams = restored.params.w as Float32Array;
const resumedState = restored.states.w as AdamWState<Float32Array>;
train(resumedParams, resumedState, 50);

console.log(`checkpoint of ${bytes.byteLength} bytes saved at step 50 (meta ${JSON.stringify(restored.meta)}), resumed to step ${resumedState.step}`);
console.log(`resumed equals uninterrupted: ${resumedParams.every((x, i) => Object.is(x, straight[i]))}`);
