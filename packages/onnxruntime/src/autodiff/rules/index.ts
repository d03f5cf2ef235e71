import { NO_GRADIENT, type GradRule } from '../context.js';
import { averagePoolRule, convRule, maxPoolRule } from './conv.js';
import {
  absRule,
  addRule,
  castRule,
  divRule,
  erfRule,
  expandRule,
  expRule,
  identityRule,
  leakyReluRule,
  logRule,
  mulRule,
  negRule,
  powRule,
  reciprocalRule,
  reluRule,
  sigmoidRule,
  sqrtRule,
  subRule,
  sumRule,
  tanhRule,
  whereRule,
} from './elementwise.js';
import { gemmRule, matmulRule } from './linear.js';
import { globalAveragePoolRule, reduceMeanRule, reduceSumRule } from './reduce.js';
import { concatRule, dropoutRule, gatherRule, reshapeLikeRule, splitRule, transposeRule } from './shape.js';
import { logSoftmaxRule, nllLossRule, softmaxCrossEntropyRule, softmaxRule } from './softmax.js';

/**
 * Gradient rules of the default ONNX domain, by operator type. Operators
 * listed with {@link NO_GRADIENT} produce shapes, indices, masks or
 * comparisons; gradients never flow through them, so they may sit anywhere
 * in a model, including next to the parameters.
 */
export const GRADIENT_RULES: ReadonlyMap<string, GradRule> = new Map<string, GradRule>([
  ['Add', addRule],
  ['Sub', subRule],
  ['Mul', mulRule],
  ['Div', divRule],
  ['Neg', negRule],
  ['Relu', reluRule],
  ['LeakyRelu', leakyReluRule],
  ['Sigmoid', sigmoidRule],
  ['Tanh', tanhRule],
  ['Exp', expRule],
  ['Log', logRule],
  ['Sqrt', sqrtRule],
  ['Pow', powRule],
  ['Abs', absRule],
  ['Reciprocal', reciprocalRule],
  ['Erf', erfRule],
  ['Sum', sumRule],
  ['Where', whereRule],
  ['Expand', expandRule],
  ['Identity', identityRule],
  ['Cast', castRule],
  ['Gemm', gemmRule],
  ['MatMul', matmulRule],
  ['Softmax', softmaxRule],
  ['LogSoftmax', logSoftmaxRule],
  ['SoftmaxCrossEntropyLoss', softmaxCrossEntropyRule],
  ['NegativeLogLikelihoodLoss', nllLossRule],
  ['ReduceSum', reduceSumRule],
  ['ReduceMean', reduceMeanRule],
  ['Reshape', reshapeLikeRule],
  ['Flatten', reshapeLikeRule],
  ['Squeeze', reshapeLikeRule],
  ['Unsqueeze', reshapeLikeRule],
  ['Transpose', transposeRule],
  ['Concat', concatRule],
  ['Split', splitRule],
  ['Gather', gatherRule],
  ['Dropout', dropoutRule],
  ['Conv', convRule],
  ['MaxPool', maxPoolRule],
  ['AveragePool', averagePoolRule],
  ['GlobalAveragePool', globalAveragePoolRule],
  ...[
    'Constant', 'ConstantOfShape', 'Shape', 'Size', 'Range', 'Equal', 'Less', 'Greater', 'LessOrEqual',
    'GreaterOrEqual', 'Not', 'And', 'Or', 'Xor', 'ArgMax', 'ArgMin', 'NonZero', 'IsNaN', 'IsInf',
    'Sign', 'Floor', 'Ceil', 'Round', 'RandomNormal', 'RandomUniform', 'RandomNormalLike',
    'RandomUniformLike', 'EyeLike', 'OneHot',
  ].map((op): [string, GradRule] => [op, NO_GRADIENT]),
]);

/**
 * The default-domain operators that have a gradient rule (not counting
 * those that never carry a gradient, such as Shape or Equal). Every rule is
 * written in standard ONNX operators and checked against finite
 * differences in the package's tests.
 *
 * | operator | gradient written as |
 * | --- | --- |
 * | Gemm (transA, transB, α, β) | Gemm with the transposes that undo A′ and B′; dC = β·G summed to C's shape |
 * | MatMul (batched, broadcast, 1-D) | G·Bᵀ and Aᵀ·G over the last two axes, summed over broadcast axes (Gemm for 2-D) |
 * | Add, Sub, Mul, Div, Sum, Where, Expand | elementwise, then ReduceSum back to each input's shape (numpy broadcasting) |
 * | Neg, Relu, LeakyRelu, Sigmoid, Tanh, Exp, Log, Sqrt, Abs, Reciprocal, Erf | elementwise derivatives (from the output where torch uses it) |
 * | Pow | p·x^(p−1) for a constant exponent; y·ln x for a trained one |
 * | Softmax, LogSoftmax | y·(g − Σg·y); g − exp(y)·Σg |
 * | SoftmaxCrossEntropyLoss, NegativeLogLikelihoodLoss | one-hot of the labels (Equal against Range), class weights, ignore_index, mean/sum/none; then log_softmax′ through the node's own log_prob |
 * | ReduceSum, ReduceMean, GlobalAveragePool | Unsqueeze (keepdims 0) and Expand; the mean divided by the count; axes as attribute (opset < 18) or input |
 * | Reshape, Flatten, Squeeze, Unsqueeze | Reshape to Shape(x) |
 * | Transpose, Concat, Split | inverse permutation; Split; Concat |
 * | Gather (any axis) | ScatterND with reduction "add" into zeros (opset raised to 16 when lower) |
 * | Identity, Cast (float to float), Dropout | pass-through; cast back; g·mask/(1 − ratio) with the forward mask |
 * | Conv (pads, strides, dilations, groups, auto_pad) | dX: ConvTranspose; dW: Conv of the regrouped input with G as weights; dB: ReduceSum |
 * | MaxPool | ScatterElements (reduction "add") at the node's Indices output |
 * | AveragePool (ceil_mode 0) | depthwise ConvTranspose of G/count with a kernel of ones; counts from a Conv of ones when padding is not counted |
 */
export const DIFFERENTIABLE_OPERATORS: readonly string[] = Object.freeze(
  [...GRADIENT_RULES.entries()].filter(([, r]) => r !== NO_GRADIENT).map(([op]) => op).sort(),
);
