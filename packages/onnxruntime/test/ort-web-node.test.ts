import type { AdamWOptions } from '@adamw/core';
import * as ortNode from 'onnxruntime-node';
import * as ortWeb from 'onnxruntime-web';
import { beforeAll, describe, expect, it } from 'vitest';
import { createOrtTrainer } from '../src/index.js';
import { batchFeeds, fixtureNames, loadFixture, relDeviation } from './helpers/fixtures.js';
import { classifierBatch, classifierModel } from './helpers/mlp.js';

// onnxruntime-web in Node runs its WebAssembly build (the wasm execution
// provider), as in a browser. One thread, as the onnxruntime-node tests.
beforeAll(() => {
  ortWeb.env.wasm.numThreads = 1;
});

/** The same feeds as onnxruntime-web tensors. */
function web(feeds: Record<string, ortNode.Tensor>): Record<string, ortWeb.Tensor> {
  return Object.fromEntries(Object.entries(feeds).map(([k, t]) => [k, new ortWeb.Tensor(t.type, t.data as Float32Array, t.dims)]));
}

/** float32 bounds of the onnxruntime-node tests (test/torch-fixtures.test.ts): different kernels, the same math. */
const TOLERANCE = { grads: 1e-4, loss: 1e-5, params: 1e-3 };

describe('onnxruntime-web (wasm) passed as ort, in Node', () => {
  it('writes every gradient and the loss into the trainer arrays, as onnxruntime-node does', async () => {
    const options = { model: classifierModel(), optimizer: { lr: 0.05, weightDecay: 0.01 } };
    const onWeb = await createOrtTrainer({ ...options, ort: ortWeb });
    const onNode = await createOrtTrainer({ ...options, ort: ortNode, sessionOptions: { intraOpNumThreads: 1 } });
    const gradients = onWeb.gradients['fc1.weight']!;
    for (let i = 0; i < 5; i++) {
      const batch = classifierBatch(8, i);
      const lossWeb = await onWeb.step(web(batch));
      const lossNode = await onNode.step(batch);
      expect(Math.abs(lossWeb - lossNode) / lossNode).toBeLessThan(1e-5);
      expect(onWeb.gradients['fc1.weight']).toBe(gradients); // the same array, rewritten
      for (const name of Object.keys(onNode.gradients)) {
        expect(relDeviation(onWeb.gradients[name]!, onNode.gradients[name]!, 1e-3), `gradient of ${name}, step ${i}`).toBeLessThan(1e-4);
      }
    }
    expect(gradients.some((g) => g !== 0)).toBe(true);
    expect(onWeb.stepCount).toBe(5);
    const batch = classifierBatch(16, 9);
    expect(Math.abs((await onWeb.evaluate(web(batch))) - (await onNode.evaluate(batch)))).toBeLessThan(1e-4);
    // A model exported from the web trainer runs in onnxruntime-node.
    const session = await ortNode.InferenceSession.create(onWeb.exportModel());
    const out = await session.run(batch);
    expect(Math.abs(Number(out.loss!.data[0]) - (await onWeb.evaluate(web(batch))))).toBeLessThan(1e-6);
    await session.release();
    await onWeb.release();
    await onNode.release();
  });

  it.each(fixtureNames())('%s: first-batch gradients, per-step losses and final parameters match torch', async (name) => {
    const f = loadFixture(name);
    const { noDecay: exclude, scheduleMultipliers: eta, ...optimizer } = f.optimizer;
    const model = new Uint8Array(Buffer.from(f.onnx, 'base64'));
    const trainer = await createOrtTrainer({ model, optimizer: optimizer as AdamWOptions, exclude, schedule: (t) => eta[t]!, ort: ortWeb });
    const deviations = { grads: 0, loss: 0, params: 0 };
    const losses: number[] = [];
    for (const rows of f.batches) {
      losses.push(await trainer.step(web(batchFeeds(f, rows))));
      if (losses.length === 1) {
        for (const [n, g] of Object.entries(f.expected.firstGrads))
          deviations.grads = Math.max(deviations.grads, relDeviation(trainer.gradients[n]!, g.data, 1e-3));
      }
    }
    deviations.loss = relDeviation(losses, f.expected.losses, 1e-3);
    for (const [n, p] of Object.entries(f.expected.params)) deviations.params = Math.max(deviations.params, relDeviation(trainer.parameters[n]!, p.data, 1e-2));
    console.log(
      `onnxruntime-web in Node, ${name} (${f.dtype}): gradients ${deviations.grads.toExponential(1)}, losses ${deviations.loss.toExponential(1)}, parameters ${deviations.params.toExponential(1)}`,
    );
    // The wasm build has double kernels for every operator these models use: float64 keeps float64's bounds.
    const tol = f.dtype === 'float64' ? { grads: 1e-12, loss: 1e-12, params: 1e-10 } : TOLERANCE;
    expect(deviations.grads).toBeLessThanOrEqual(tol.grads);
    expect(deviations.loss).toBeLessThanOrEqual(tol.loss);
    expect(deviations.params).toBeLessThanOrEqual(tol.params);
    await trainer.release();
  });
});
