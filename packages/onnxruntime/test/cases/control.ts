import { valueInfo } from '../../src/graph/emitter.js';
import { makeAttribute } from '../../src/proto/attributes.js';
import { DataType, type GraphProto, type NodeProto } from '../../src/proto/types.js';
import type { FdCase } from '../helpers/cases.js';

function node(opType: string, input: string[], output: string[], attrs: Record<string, number | number[]> = {}): NodeProto {
  return { opType, input, output, name: output[0]!, attribute: Object.entries(attrs).map(([k, v]) => makeAttribute(k, v)) };
}

/**
 * The body torch writes for `nn.EmbeddingBag` (one iteration per bag): the
 * bag's slice of the ids, the table's rows, their mean (or sum, scaled by
 * per-sample weights).
 */
function bagBody(weighted: boolean): GraphProto {
  const nodes = [
    node('Gather', ['starts', 'i'], ['s'], { axis: 0 }),
    node('Gather', ['ends', 'i'], ['e'], { axis: 0 }),
    node('Unsqueeze', ['s', 'axis0'], ['s1']),
    node('Unsqueeze', ['e', 'axis0'], ['e1']),
    node('Slice', ['ids', 's1', 'e1', 'axis0'], ['picked']),
    node('Gather', ['table', 'picked'], ['rows'], { axis: 0 }),
  ];
  if (weighted) {
    nodes.push(node('Slice', ['w', 's1', 'e1', 'axis0'], ['wb']), node('Unsqueeze', ['wb', 'axis1'], ['wb1']), node('Mul', ['rows', 'wb1'], ['scaled']));
    nodes.push(node('ReduceSum', ['scaled', 'axis0'], ['bag'], { keepdims: 0 }));
  } else {
    nodes.push(node('ReduceMean', ['rows'], ['bag'], { axes: [0], keepdims: 0 }));
  }
  nodes.push(node('Identity', ['cond'], ['cond_out']));
  return {
    name: 'bag_body',
    node: nodes,
    input: [valueInfo('i', DataType.INT64, []), valueInfo('cond', DataType.BOOL, [])],
    output: [valueInfo('cond_out', DataType.BOOL, []), valueInfo('bag', DataType.DOUBLE, null)],
  };
}

const ids = { spec: { name: 'ids', type: 'int64' as const, dims: ['n'] }, dims: [7], values: [1, 3, 3, 0, 4, 2, 1] };

export const CONTROL_CASES: FdCase[] = [
  ...[false, true].map((weighted): FdCase => ({
    name: `Loop of nn.EmbeddingBag (${weighted ? 'sum with per-sample weights' : 'mean'}): bags of 3, 1 and 3 ids, repeats within a bag`,
    case: {
      type: 'float64',
      params: [{ name: 'table', dims: [5, 3] }],
      feeds: [ids],
      consts: [
        { name: 'starts', type: 'int64', dims: [3], values: [0, 3, 4] },
        { name: 'ends', type: 'int64', dims: [3], values: [3, 4, 7] },
        { name: 'count', type: 'int64', dims: [], values: [3] },
        { name: 'yes', type: 'bool', dims: [], values: [1] },
        { name: 'axis0', type: 'int64', dims: [1], values: [0] },
        { name: 'axis1', type: 'int64', dims: [1], values: [1] },
        { name: 'w', type: 'float64', dims: [7], values: [1, 0.5, 2, 1, -1, 0.25, 1.5] },
      ],
      nodes: [{ op: 'Loop', inputs: ['count', 'yes'], outputs: ['bags'], attrs: { body: { graph: bagBody(weighted) } } }],
      out: 'bags',
      outDims: [3, 3],
    },
  })),
];
