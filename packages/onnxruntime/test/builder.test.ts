import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { buildTraining, buildTrainingBytes, buildTrainingModel, DIFFERENTIABLE_OPERATORS } from '../src/index.js';
import { decodeModel, encodeModel } from '../src/proto/codec.js';
import { AttributeType } from '../src/proto/types.js';
import { makeModel, type ModelSpec } from './helpers/onnx.js';

/** y = x·Wᵀ + b, loss = mean((y − t)²), with a symbolic batch. */
function mlpSpec(extra: Partial<ModelSpec> = {}): ModelSpec {
  return {
    nodes: [
      { op: 'Gemm', inputs: ['x', 'W', 'b'], outputs: ['y'], attrs: { transB: 1 }, name: 'fc' },
      { op: 'Sub', inputs: ['y', 't'], outputs: ['d'] },
      { op: 'Mul', inputs: ['d', 'd'], outputs: ['sq'] },
      { op: 'ReduceMean', inputs: ['sq'], outputs: ['loss'], attrs: { keepdims: 0 } },
    ],
    inputs: [
      { name: 'x', type: 'float32', dims: ['batch', 3] },
      { name: 't', type: 'float32', dims: ['batch', 2] },
    ],
    initializers: [
      { name: 'W', type: 'float32', dims: [2, 3], values: [0.1, -0.2, 0.3, 0.4, -0.5, 0.6] },
      { name: 'b', type: 'float32', dims: [2], values: [0.01, -0.02] },
    ],
    outputs: [{ name: 'loss', type: 'float32', dims: [] }],
    ...extra,
  };
}

function expectUnchangedAfter(bytes: Uint8Array, f: () => unknown): void {
  const copy = bytes.slice();
  try {
    f();
  } catch {
    // the error itself is asserted elsewhere
  }
  expect(bytes).toEqual(copy);
}

describe('buildTraining', () => {
  it('turns parameters into inputs and adds <name>_grad outputs, in order', async () => {
    const t = buildTraining(makeModel(mlpSpec()));
    expect(t.loss).toBe('loss');
    expect(t.parameters.map((p) => [p.name, p.grad, p.dims])).toEqual([
      ['W', 'W_grad', [2, 3]],
      ['b', 'b_grad', [2]],
    ]);
    expect(t.inputs.map((i) => [i.name, i.dims])).toEqual([
      ['x', ['batch', 3]],
      ['t', ['batch', 2]],
    ]);
    const session = await ort.InferenceSession.create(t.model);
    expect(session.inputNames).toEqual(['x', 't', 'W', 'b']);
    expect(session.outputNames).toEqual(['loss', 'W_grad', 'b_grad']);
    const m = decodeModel(t.model);
    expect((m.graph!.initializer ?? []).some((i) => i.name === 'W' || i.name === 'b')).toBe(false);
    // only default-domain operators were added
    expect((m.graph!.node ?? []).every((n) => !n.domain)).toBe(true);
    await session.release();
  });

  it('is shape-generic: one training model runs any batch size', async () => {
    const t = buildTraining(makeModel(mlpSpec()));
    const session = await ort.InferenceSession.create(t.model);
    for (const n of [1, 4, 7]) {
      const x = Float32Array.from({ length: 3 * n }, (_, i) => Math.sin(i));
      const target = new Float32Array(2 * n).fill(0.5);
      const out = await session.run({
        x: new ort.Tensor('float32', x, [n, 3]),
        t: new ort.Tensor('float32', target, [n, 2]),
        W: new ort.Tensor('float32', t.parameters[0]!.initial, [2, 3]),
        b: new ort.Tensor('float32', t.parameters[1]!.initial, [2]),
      });
      // analytic check of db = 2·mean over rows of (y − t) / 2 outputs
      const W = t.parameters[0]!.initial;
      const b = t.parameters[1]!.initial;
      const expected = [0, 0];
      for (let r = 0; r < n; r++) {
        for (let o = 0; o < 2; o++) {
          const y = b[o]! + W[o * 3]! * x[r * 3]! + W[o * 3 + 1]! * x[r * 3 + 1]! + W[o * 3 + 2]! * x[r * 3 + 2]!;
          expected[o] = expected[o]! + (2 * (y - 0.5)) / (2 * n);
        }
      }
      const db = out['b_grad']!.data as Float32Array;
      expect(db[0]).toBeCloseTo(expected[0]!, 5);
      expect(db[1]).toBeCloseTo(expected[1]!, 5);
    }
    await session.release();
  });

  it('gives a parameter the loss does not depend on a zero gradient', async () => {
    const spec = mlpSpec();
    spec.initializers!.push({ name: 'unused', type: 'float32', dims: [2, 2], values: [1, 2, 3, 4] });
    const t = buildTraining(makeModel(spec), { trainable: ['W', 'unused'] });
    const session = await ort.InferenceSession.create(t.model);
    const out = await session.run({
      x: new ort.Tensor('float32', new Float32Array(3).fill(1), [1, 3]),
      t: new ort.Tensor('float32', new Float32Array(2), [1, 2]),
      W: new ort.Tensor('float32', t.parameters[0]!.initial, [2, 3]),
      unused: new ort.Tensor('float32', t.parameters[1]!.initial, [2, 2]),
    });
    expect(Array.from(out['unused_grad']!.data as Float32Array)).toEqual([0, 0, 0, 0]);
    expect(out['unused_grad']!.dims).toEqual([2, 2]);
    await session.release();
  });

  it('by default trains the float initializers the loss depends on, not a Dropout ratio or an unused one', () => {
    const spec = mlpSpec();
    spec.nodes.splice(1, 0, { op: 'Dropout', inputs: ['y', 'ratio'], outputs: ['y2'] });
    spec.nodes[2]!.inputs = ['y2', 't'];
    spec.initializers!.push({ name: 'ratio', type: 'float32', dims: [], values: [0.1] });
    spec.initializers!.push({ name: 'spare', type: 'float32', dims: [1], values: [1] });
    spec.initializers!.push({ name: 'steps', type: 'int64', dims: [1], values: [3] });
    const t = buildTraining(makeModel(spec));
    expect(t.parameters.map((p) => p.name)).toEqual(['W', 'b']);
    const m = decodeModel(t.model);
    expect((m.graph!.initializer ?? []).map((i) => i.name)).toEqual(expect.arrayContaining(['ratio', 'spare', 'steps']));
  });

  it('raises the opset to 16 (and the IR version to 8) when a gradient needs ScatterND with reduction', () => {
    const model = makeModel({
      nodes: [
        { op: 'Gather', inputs: ['E', 'ids'], outputs: ['e'] },
        { op: 'ReduceSum', inputs: ['e'], outputs: ['loss'], attrs: { keepdims: 0 } },
      ],
      inputs: [{ name: 'ids', type: 'int64', dims: ['n'] }],
      initializers: [{ name: 'E', type: 'float32', dims: [4, 2], values: [1, 2, 3, 4, 5, 6, 7, 8] }],
      outputs: [{ name: 'loss', type: 'float32', dims: [] }],
      opset: 14,
    });
    const t = buildTraining(model);
    expect(t.opset).toBe(16);
    const m = decodeModel(t.model);
    expect(m.opsetImport?.find((o) => !o.domain)?.version).toBe(16);
    expect(m.irVersion).toBeGreaterThanOrEqual(8);
  });

  it('lists the operators the brief asks for among those with gradient rules', () => {
    for (const op of [
      'Gemm',
      'MatMul',
      'Add',
      'Sub',
      'Mul',
      'Div',
      'Neg',
      'Relu',
      'LeakyRelu',
      'Sigmoid',
      'Tanh',
      'Exp',
      'Log',
      'Sqrt',
      'Pow',
      'Softmax',
      'LogSoftmax',
      'SoftmaxCrossEntropyLoss',
      'NegativeLogLikelihoodLoss',
      'ReduceMean',
      'ReduceSum',
      'Reshape',
      'Flatten',
      'Transpose',
      'Squeeze',
      'Unsqueeze',
      'Concat',
      'Gather',
      'Identity',
      'Dropout',
      'Conv',
      'MaxPool',
      'AveragePool',
    ]) {
      expect(DIFFERENTIABLE_OPERATORS).toContain(op);
    }
  });
});

describe('buildTraining rejects bad input with errors that name the culprit, changing nothing', () => {
  it('a loss that is not a scalar', () => {
    const spec = mlpSpec();
    spec.nodes[3] = { op: 'ReduceMean', inputs: ['sq'], outputs: ['loss'], attrs: { axes: [0], keepdims: 0 } };
    spec.outputs = [{ name: 'loss', type: 'float32', dims: [2] }];
    const bytes = makeModel(spec);
    expect(() => buildTrainingBytes(bytes)).toThrow(/loss 'loss' has shape \[2\]; a loss must be a scalar/);
    expectUnchangedAfter(bytes, () => buildTrainingBytes(bytes));
  });

  it('several outputs and no loss named, and a loss that does not exist', () => {
    const spec = mlpSpec();
    spec.outputs.push({ name: 'y', type: 'float32', dims: ['batch', 2] });
    const bytes = makeModel(spec);
    expect(() => buildTrainingBytes(bytes)).toThrow(/2 outputs \(loss, y\); say which one is the loss/);
    expect(() => buildTrainingBytes(bytes, { loss: 'nope' })).toThrow(/loss 'nope' is not computed by any node/);
    expect(buildTraining(bytes, { loss: 'loss' }).loss).toBe('loss');
  });

  it('a trainable name that does not exist, is an input, is not float, or repeats', () => {
    const spec = mlpSpec();
    spec.initializers!.push({ name: 'count', type: 'int64', dims: [1], values: [3] });
    const bytes = makeModel(spec);
    expect(() => buildTrainingBytes(bytes, { trainable: ['W', 'Wx'] })).toThrow(
      /trainable parameter 'Wx' is not an initializer of the model; float initializers: W, b/,
    );
    expect(() => buildTrainingBytes(bytes, { trainable: ['x'] })).toThrow(/'x' is not an initializer.*graph input/);
    expect(() => buildTrainingBytes(bytes, { trainable: ['count'] })).toThrow(/trainable parameter 'count' is INT64; only FLOAT and DOUBLE/);
    expect(() => buildTrainingBytes(bytes, { trainable: ['W', 'W'] })).toThrow(/'W' is listed twice/);
    expect(() => buildTrainingBytes(bytes, { trainable: [] })).toThrow(/options.trainable is empty/);
    expectUnchangedAfter(bytes, () => buildTrainingBytes(bytes, { trainable: ['count'] }));
  });

  it('an operator without a gradient rule between a parameter and the loss, naming operator and node', () => {
    const spec = mlpSpec();
    spec.nodes.splice(1, 0, { op: 'Mish', inputs: ['y'], outputs: ['ys'], name: 'wobble' });
    spec.nodes[2]!.inputs = ['ys', 't'];
    const bytes = makeModel(spec);
    expect(() => buildTrainingBytes(bytes)).toThrow(/no gradient rule for operator Mish \(Mish node 'wobble'\)/);
    expectUnchangedAfter(bytes, () => buildTrainingBytes(bytes));
  });

  it('an operator of another domain on the path', () => {
    const spec = mlpSpec();
    spec.nodes.splice(1, 0, { op: 'Gelu', domain: 'com.microsoft', inputs: ['y'], outputs: ['yg'], name: 'act' });
    spec.nodes[2]!.inputs = ['yg', 't'];
    expect(() => buildTrainingBytes(makeModel(spec))).toThrow(/operator com\.microsoft\.Gelu \(Gelu node 'act'\)/);
  });

  it('accepts operators without rules off the gradient path', () => {
    const spec = mlpSpec();
    // the target goes through Mish: no parameter is involved, so no gradient is needed
    spec.nodes.unshift({ op: 'Mish', inputs: ['t0'], outputs: ['t'] });
    spec.inputs = [spec.inputs![0]!, { name: 't0', type: 'float32', dims: ['batch', 2] }];
    expect(buildTraining(makeModel(spec)).parameters).toHaveLength(2);
  });

  it('an opset older than 13, bytes that are not a model, unknown options', () => {
    expect(() => buildTrainingBytes(makeModel(mlpSpec({ opset: 12 })))).toThrow(/opset 12; gradients are written for opset 13 or newer/);
    expect(() => buildTrainingBytes(new Uint8Array([1, 2, 3, 4, 5]))).toThrow(/not an ONNX model/);
    expect(() => buildTrainingBytes('model.onnx' as never)).toThrow(/must be a Uint8Array/);
    expect(() => buildTrainingBytes(makeModel(mlpSpec()), { trainables: ['W'] } as never)).toThrow(/unknown option 'trainables'/);
  });

  it('a loss that is not float, and a value already named like a gradient output', () => {
    const spec = mlpSpec();
    spec.nodes.push({ op: 'Cast', inputs: ['loss'], outputs: ['iloss'], attrs: { to: 7 } });
    spec.outputs = [{ name: 'iloss', type: 'int64', dims: [] }];
    expect(() => buildTrainingBytes(makeModel(spec))).toThrow(/loss 'iloss' is INT64; a loss must be FLOAT or DOUBLE/);
    const clash = mlpSpec();
    clash.nodes[1] = { op: 'Sub', inputs: ['y', 't'], outputs: ['W_grad'] };
    clash.nodes[2] = { op: 'Mul', inputs: ['W_grad', 'W_grad'], outputs: ['sq'] };
    expect(() => buildTrainingBytes(makeModel(clash))).toThrow(/already has a value named 'W_grad'/);
  });

  it('a parameter read inside a subgraph (If branch), which has no gradient rule', () => {
    const spec = mlpSpec();
    spec.nodes.splice(1, 0, { op: 'If', inputs: ['cond'], outputs: ['yb'], name: 'branch' });
    spec.nodes[2]!.inputs = ['yb', 't'];
    spec.inputs!.push({ name: 'cond', type: 'bool', dims: [] });
    const m = decodeModel(makeModel(spec));
    const body = (out: string, op: string) => ({
      name: op,
      node: [{ input: ['y', 'b'], output: [out], opType: op }],
      output: [{ name: out, type: { tensorType: { elemType: 1 } } }],
    });
    m.graph!.node![1]!.attribute = [
      { name: 'then_branch', type: AttributeType.GRAPH, g: body('then_out', 'Add') },
      { name: 'else_branch', type: AttributeType.GRAPH, g: body('else_out', 'Sub') },
    ];
    expect(() => buildTrainingBytes(encodeModel(m))).toThrow(/no gradient rule for operator If \(If node 'branch'\)/);
  });

  it('a model that also lists its initializers as graph inputs (keep_initializers_as_inputs)', async () => {
    const spec = mlpSpec();
    spec.inputs!.push({ name: 'W', type: 'float32', dims: [2, 3] }, { name: 'b', type: 'float32', dims: [2] });
    const t = buildTraining(makeModel(spec));
    expect(t.inputs.map((i) => i.name)).toEqual(['x', 't']);
    const session = await ort.InferenceSession.create(t.model);
    expect(session.inputNames).toEqual(['x', 't', 'W', 'b']);
    await session.release();
  });

  it('an unknown rank where a rule needs it', () => {
    const spec: ModelSpec = {
      nodes: [
        { op: 'MatMul', inputs: ['x', 'W'], outputs: ['y'], name: 'mm' },
        { op: 'ReduceSum', inputs: ['y'], outputs: ['loss'], attrs: { keepdims: 0 } },
      ],
      inputs: [{ name: 'x', type: 'float32' }],
      initializers: [{ name: 'W', type: 'float32', dims: [2, 2], values: [1, 2, 3, 4] }],
      outputs: [{ name: 'loss', type: 'float32', dims: [] }],
    };
    expect(() => buildTrainingBytes(makeModel(spec))).toThrow(/MatMul node 'mm': the rank of 'x' is unknown/);
  });
});

describe('buildTrainingBytes', () => {
  it('returns the bytes buildTraining builds; buildTrainingModel, its former name, returns the same', () => {
    const bytes = makeModel(mlpSpec());
    expect(buildTrainingBytes(bytes)).toEqual(buildTraining(bytes).model);
    expect(buildTrainingModel(bytes)).toEqual(buildTrainingBytes(bytes));
  });
});

describe('operators whose form changes with the opset, and subgraphs', () => {
  /** Σ BatchNorm(table[ids]) in opset 13's five-output training form: Gather's gradient raises the opset to 16. */
  function batchNormAfterGather(): Uint8Array {
    return makeModel({
      opset: 13,
      nodes: [
        { op: 'Gather', inputs: ['table', 'ids'], outputs: ['e'] },
        { op: 'BatchNormalization', inputs: ['e', 'scale', 'bias', 'mean', 'var'], outputs: ['y', 'm1', 'v1', 'sm', 'sv'], name: 'bn' },
        { op: 'ReduceSum', inputs: ['y'], outputs: ['s'], attrs: { keepdims: 0 } },
        { op: 'Mul', inputs: ['s', 's'], outputs: ['loss'] },
      ],
      inputs: [{ name: 'ids', type: 'int64', dims: [4] }],
      initializers: [
        { name: 'table', type: 'float32', dims: [5, 2], values: [0.1, -0.2, 0.3, 0.9, -0.5, 0.6, 0.7, -0.8, 0.2, 0.4] },
        { name: 'scale', type: 'float32', dims: [2], values: [1.5, 0.5] },
        { name: 'bias', type: 'float32', dims: [2], values: [0.1, -0.1] },
        { name: 'mean', type: 'float32', dims: [2], values: [0, 0] },
        { name: 'var', type: 'float32', dims: [2], values: [1, 1] },
      ],
      outputs: [{ name: 'loss', type: 'float32', dims: [] }],
    });
  }

  it("rewrites opset 13's training-mode BatchNormalization for opset 16 (training_mode, three outputs)", async () => {
    const t = buildTraining(batchNormAfterGather(), { trainable: ['table', 'scale'] });
    expect(t.opset).toBe(16);
    const bn = decodeModel(t.model).graph!.node!.find((n) => n.name === 'bn')!;
    expect(bn.output).toEqual(['y', 'm1', 'v1']);
    expect(bn.attribute!.find((a) => a.name === 'training_mode')?.i).toBe(1);
    const session = await ort.InferenceSession.create(t.model);
    const out = await session.run({
      ids: new ort.Tensor('int64', BigInt64Array.from([0n, 2n, 2n, 4n]), [4]),
      table: new ort.Tensor('float32', t.parameters[0]!.initial, [5, 2]),
      scale: new ort.Tensor('float32', t.parameters[1]!.initial, [2]),
    });
    expect(out['table_grad']!.dims).toEqual([5, 2]);
    await session.release();
  });

  it("refuses the rewrite when opset 13's saved statistics are read", () => {
    const m = decodeModel(batchNormAfterGather());
    m.graph!.output!.push({ name: 'sm', type: { tensorType: { elemType: 1 } } });
    expect(() => buildTraining(encodeModel(m), { loss: 'loss', trainable: ['table'] })).toThrow(
      /BatchNormalization node 'bn': its saved_mean\/saved_var outputs are used/,
    );
  });

  /** A Loop over `count` iterations whose body reads `W`, with a loop-carried sum or an unsupported operator. */
  function loopModel(carried: boolean, bodyOp = 'Mul'): Uint8Array {
    const m = decodeModel(
      makeModel({
        nodes: [{ op: 'Loop', inputs: carried ? ['count', 'yes', 'zero'] : ['count', 'yes'], outputs: carried ? ['final', 'rows'] : ['rows'], name: 'loop' }],
        initializers: [
          { name: 'W', type: 'float32', dims: [3], values: [1, 2, 3] },
          { name: 'count', type: 'int64', dims: [], values: [2] },
          { name: 'yes', type: 'bool', dims: [], values: [1] },
          { name: 'zero', type: 'float32', dims: [3], values: [0, 0, 0] },
        ],
        outputs: [{ name: 'rows', type: 'float32' }],
      }),
    );
    const vi = (name: string, elemType: number) => ({ name, type: { tensorType: { elemType, ...(elemType === 1 ? {} : { shape: { dim: [] } }) } } });
    const nodes = [
      { input: ['W', 'W'], output: ['row'], opType: bodyOp, name: 'inner' },
      { input: ['cond'], output: ['cond_out'], opType: 'Identity' },
    ];
    if (carried) nodes.push({ input: ['acc', 'row'], output: ['acc_out'], opType: 'Add', name: 'carry' });
    m.graph!.node![0]!.attribute = [
      {
        name: 'body',
        type: AttributeType.GRAPH,
        g: {
          name: 'body',
          node: nodes,
          input: [vi('i', 7), vi('cond', 9), ...(carried ? [vi('acc', 1)] : [])],
          output: [vi('cond_out', 9), ...(carried ? [vi('acc_out', 1)] : []), vi('row', 1)],
        },
      },
    ];
    m.graph!.node!.push({ input: ['rows'], output: ['loss'], opType: 'ReduceSum', attribute: [{ name: 'keepdims', type: AttributeType.INT, i: 0 }] });
    m.graph!.output = [{ name: 'loss', type: { tensorType: { elemType: 1, shape: { dim: [] } } } }];
    return encodeModel(m);
  }

  it('differentiates a Loop through its scan outputs: Σ over 2 iterations of W ⊙ W gives 4·W', async () => {
    const t = buildTraining(loopModel(false), { trainable: ['W'] });
    const session = await ort.InferenceSession.create(t.model);
    const out = await session.run({ W: new ort.Tensor('float32', Float32Array.from([1, 2, 3]), [3]) });
    expect(Array.from(out['W_grad']!.data as Float32Array)).toEqual([4, 8, 12]);
    await session.release();
  });

  it('names what a Loop gradient cannot do: loop-carried values, unsupported operators in the body', () => {
    expect(() => buildTraining(loopModel(true), { loss: 'loss', trainable: ['W'] })).toThrow(
      /Loop node 'loop': the gradient needs a body without loop-carried values/,
    );
    expect(() => buildTraining(loopModel(false, 'Mish'), { trainable: ['W'] })).toThrow(/Loop node 'loop': no gradient rule for operator Mish \(Mish node/);
  });
});
