import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { buildTraining, createOrtTrainer } from '../src/index.js';
import { gradCheck } from './helpers/gradcheck.js';
import { makeModel, random, randoms } from './helpers/onnx.js';

const N = 64;
const rand = random(5);
const x0 = randoms(rand, N, 0.5, 1.5);
const r = randoms(rand, N, -1, 1);

/** loss = Σ R ⊙ Dropout(x ⊙ s), with x a trained parameter and s fed. */
function dropoutModel(mode: 'train' | 'eval' | 'input', seeded = true): Uint8Array {
  const inputs = [{ name: 's', type: 'float32' as const, dims: [N] }];
  if (mode === 'input') inputs.push({ name: 'training', type: 'bool' as never, dims: [] });
  return makeModel({
    nodes: [
      { op: 'Mul', inputs: ['x', 's'], outputs: ['xs'] },
      { op: 'Dropout', inputs: ['xs', 'ratio', mode === 'input' ? 'training' : 'mode'], outputs: ['d'], attrs: seeded ? { seed: 7 } : {} },
      { op: 'Mul', inputs: ['d', 'R'], outputs: ['w'] },
      { op: 'ReduceSum', inputs: ['w'], outputs: ['loss'], attrs: { keepdims: 0 } },
    ],
    inputs,
    initializers: [
      { name: 'x', type: 'float32', dims: [N], values: x0 },
      { name: 'R', type: 'float32', dims: [N], values: r },
      { name: 'ratio', type: 'float32', dims: [], values: [0.25] },
      { name: 'mode', type: 'bool', dims: [], values: [mode === 'train' ? 1 : 0] },
    ],
    outputs: [{ name: 'loss', type: 'float32', dims: [] }],
  });
}

async function run(model: Uint8Array, extra: Record<string, ort.Tensor> = {}) {
  const t = buildTraining(model, { trainable: ['x'] });
  const session = await ort.InferenceSession.create(t.model);
  const s = new ort.Tensor('float32', new Float32Array(N).fill(1), [N]);
  const out = await session.run({ s, x: new ort.Tensor('float32', Float32Array.from(x0), [N]), ...extra });
  await session.release();
  return { t, out };
}

describe('Dropout', () => {
  it('in training mode, the gradient is R·mask/(1 − ratio) with the mask the forward pass drew', async () => {
    const { t, out } = await run(dropoutModel('train'));
    expect(t.dropoutMasks).toHaveLength(1);
    const mask = out[t.dropoutMasks[0]!]!.data as Uint8Array;
    const kept = mask.reduce((a, b) => a + b, 0);
    // a fair coin at ratio 0.25 keeps some and drops some of 64
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThan(N);
    const grad = out['x_grad']!.data as Float32Array;
    const scale = Math.fround(1 / (1 - 0.25));
    let loss = 0;
    for (let i = 0; i < N; i++) {
      expect(grad[i]).toBeCloseTo(mask[i] ? r[i]! * scale : 0, 6);
      loss += mask[i] ? x0[i]! * scale * r[i]! : 0;
    }
    // the loss of the same run used the same mask
    expect(out['loss']!.data[0]).toBeCloseTo(loss, 4);
  });

  it('the recorded mask replays the step: gradients equal those of x·mask/(1 − ratio) checked by finite differences', async () => {
    const { t, out } = await run(dropoutModel('train'));
    const mask = out[t.dropoutMasks[0]!]!.data as Uint8Array;
    const replay = await gradCheck(
      {
        type: 'float32',
        params: [{ name: 'x', dims: [N], values: x0 }],
        consts: [{ name: 'keep', type: 'float32', dims: [N], values: Array.from(mask, (m) => m / 0.75) }],
        nodes: [{ op: 'Mul', inputs: ['x', 'keep'], outputs: ['y'] }],
        out: 'y',
        outDims: [N],
        seed: 0,
      },
      { rtol: 1e-2, atol: 2e-3 },
    );
    expect(replay.worst).toBeLessThanOrEqual(1);
    // replay weights R differ from the model's, so compare the structure: zero exactly where dropped
    const grad = out['x_grad']!.data as Float32Array;
    for (let i = 0; i < N; i++) expect(grad[i] === 0).toBe(mask[i] === 0 && true);
  });

  it('in inference mode it is the identity and adds no mask output', async () => {
    const { t, out } = await run(dropoutModel('eval'));
    expect(t.dropoutMasks).toEqual([]);
    expect(Array.from(out['x_grad']!.data as Float32Array)).toEqual(Array.from(Float32Array.from(r)));
  });

  it('with training_mode fed at run time, follows the flag', async () => {
    const on = await run(dropoutModel('input'), { training: new ort.Tensor('bool', new Uint8Array([1]), []) });
    const mask = on.out[on.t.dropoutMasks[0]!]!.data as Uint8Array;
    const g = on.out['x_grad']!.data as Float32Array;
    for (let i = 0; i < N; i++) expect(g[i]).toBeCloseTo(mask[i] ? r[i]! / 0.75 : 0, 5);
    const off = await run(dropoutModel('input'), { training: new ort.Tensor('bool', new Uint8Array([0]), []) });
    expect(Array.from(off.out['x_grad']!.data as Float32Array)).toEqual(Array.from(Float32Array.from(r)));
  });

  it('evaluate and exportModel({ dropout: "eval" }) run it in inference mode; exportModel() keeps training mode', async () => {
    const trainer = await createOrtTrainer({ model: dropoutModel('train'), trainable: ['x'], ort });
    const s = new ort.Tensor('float32', new Float32Array(N).fill(1), [N]);
    const plain = x0.reduce((acc, v, i) => acc + Math.fround(v) * Math.fround(r[i]!), 0);
    expect(await trainer.evaluate({ s })).toBeCloseTo(plain, 4);
    expect(await trainer.evaluate({ s })).toBe(await trainer.evaluate({ s }));
    const evalSession = await ort.InferenceSession.create(trainer.exportModel({ dropout: 'eval' }));
    expect((await evalSession.run({ s }))['loss']!.data[0]).toBeCloseTo(plain, 4);
    // ONNX Runtime's basic graph optimisations drop a Dropout whose mask nobody reads, even in
    // training mode, so the model is loaded without them to see that the node is still there.
    const kept = await ort.InferenceSession.create(trainer.exportModel(), { graphOptimizationLevel: 'disabled' });
    const draws = new Set<number>();
    for (let i = 0; i < 5; i++) draws.add(Number((await kept.run({ s }))['loss']!.data[0]));
    expect(draws.size).toBeGreaterThan(1);
    await evalSession.release();
    await kept.release();
    await trainer.release();
  });
});

describe("Dropout with the build's seed", () => {
  async function masks(model: Uint8Array, options: { seed?: number }, runs: number): Promise<string[]> {
    const t = buildTraining(model, { trainable: ['x'], ...options });
    const session = await ort.InferenceSession.create(t.model);
    const s = new ort.Tensor('float32', new Float32Array(N).fill(1), [N]);
    const out: string[] = [];
    for (let i = 0; i < runs; i++) {
      const o = await session.run({ s, x: new ort.Tensor('float32', Float32Array.from(x0), [N]) });
      out.push(Array.from(o[t.dropoutMasks[0]!]!.data as Uint8Array).join(''));
    }
    await session.release();
    return out;
  }

  it("draws the same sequence of masks in every session, another for another seed; a Dropout's own seed is kept", async () => {
    const model = dropoutModel('train', false);
    const a = await masks(model, { seed: 11 }, 3);
    expect(new Set(a).size).toBe(3);
    expect(await masks(model, { seed: 11 }, 3)).toEqual(a);
    expect(await masks(model, { seed: 12 }, 3)).not.toEqual(a);
    // the node's seed attribute (7) wins over the option
    expect(await masks(dropoutModel('train'), { seed: 11 }, 2)).toEqual(await masks(dropoutModel('train'), {}, 2));
    expect(() => buildTraining(model, { seed: 1.5 })).toThrow(/options.seed must be an integer/);
  });
});
