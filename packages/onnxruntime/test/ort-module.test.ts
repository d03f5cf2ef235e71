import * as ortNode from 'onnxruntime-node';
import * as ortWeb from 'onnxruntime-web';
import { beforeAll, describe, expect, it } from 'vitest';
import { resolveOrt } from '../src/trainer/ort-module.js';
import { makeModel } from './helpers/onnx.js';

// y = 2x and z = x + 1 on float [2]: two outputs, to fetch into preallocated tensors.
const model = makeModel({
  nodes: [
    { op: 'Add', inputs: ['x', 'x'], outputs: ['y'] },
    { op: 'Add', inputs: ['x', 'one'], outputs: ['z'] },
  ],
  inputs: [{ name: 'x', type: 'float32', dims: [2] }],
  initializers: [{ name: 'one', type: 'float32', dims: [1], values: [1] }],
  outputs: [
    { name: 'y', type: 'float32', dims: [2] },
    { name: 'z', type: 'float32', dims: [2] },
  ],
});

beforeAll(() => {
  ortWeb.env.wasm.numThreads = 1;
});

describe('the ONNX Runtime module a trainer runs on', () => {
  it('is onnxruntime-node itself, which writes preallocated outputs in place', async () => {
    expect(await resolveOrt(ortNode)).toBe(ortNode);
    const session = await ortNode.InferenceSession.create(model);
    const y = new ortNode.Tensor('float32', new Float32Array(2), [2]);
    await session.run({ x: new ortNode.Tensor('float32', Float32Array.of(1, 2), [2]) }, { y });
    expect(Array.from(y.data as Float32Array)).toEqual([2, 4]);
    await session.release();
  });

  it('wraps onnxruntime-web, which does not, so that preallocated outputs receive the results', async () => {
    const x = () => new ortWeb.Tensor('float32', Float32Array.of(1, 2), [2]);
    // What onnxruntime-web does on its own: the preallocated array stays as it was.
    const plain = await ortWeb.InferenceSession.create(model);
    const untouched = new ortWeb.Tensor('float32', new Float32Array(2), [2]);
    await plain.run({ x: x() }, { y: untouched });
    expect(Array.from(untouched.data as Float32Array)).toEqual([0, 0]);
    await plain.release();

    const ort = await resolveOrt(ortWeb);
    expect(ort).not.toBe(ortWeb);
    const session = await ort.InferenceSession.create(model);
    expect(session.outputNames).toEqual(['y', 'z']);
    const y = new ortWeb.Tensor('float32', new Float32Array(2), [2]);
    const out = await session.run({ x: x() }, { y, z: null });
    expect(out.y).toBe(y);
    expect(Array.from(y.data as Float32Array)).toEqual([2, 4]);
    expect(Array.from(out.z!.data as Float32Array)).toEqual([2, 3]);
    // Outputs by name are the session's own answer.
    expect(Array.from((await session.run({ x: x() }, ['z'])).z!.data as Float32Array)).toEqual([2, 3]);
    await session.release();
  });

  it('refuses a preallocated tensor of the wrong size before writing any output', async () => {
    const ort = await resolveOrt(ortWeb);
    const session = await ort.InferenceSession.create(model);
    const y = new ortWeb.Tensor('float32', Float32Array.of(7, 7), [2]);
    const z = new ortWeb.Tensor('float32', Float32Array.of(7, 7, 7), [3]);
    await expect(session.run({ x: new ortWeb.Tensor('float32', Float32Array.of(1, 2), [2]) }, { y, z })).rejects.toThrow(
      /output 'z' is float32 \[2\], but the tensor preallocated for it is float32 \[3\]/,
    );
    expect(Array.from(y.data as Float32Array)).toEqual([7, 7]);
    await session.release();
  });
});
