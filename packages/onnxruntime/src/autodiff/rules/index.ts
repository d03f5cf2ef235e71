import type { OperatorRule } from '../operator.js';
import { CONTROL_OPERATORS } from './control.js';
import { CONV_OPERATORS } from './conv.js';
import { DROPOUT_OPERATORS } from './dropout.js';
import { ELEMENTWISE_OPERATORS } from './elementwise.js';
import { LINEAR_OPERATORS } from './linear.js';
import { NO_GRADIENT_OPERATORS } from './no-gradient.js';
import { NORMALIZATION_OPERATORS } from './normalization.js';
import { REDUCE_OPERATORS } from './reduce.js';
import { SHAPE_OPERATORS } from './shape.js';
import { SOFTMAX_OPERATORS } from './softmax.js';

function register(rules: readonly OperatorRule[]): ReadonlyMap<string, OperatorRule> {
  const map = new Map<string, OperatorRule>();
  for (const rule of rules) {
    if (map.has(rule.op)) throw new Error(`internal: operator ${rule.op} is registered twice`);
    map.set(rule.op, rule);
  }
  return map;
}

/**
 * The operator registry: every default-domain operator the package knows,
 * by type, each with its inference rule and (for differentiable ones) its
 * gradient rule. A family file under `rules/` defines its operators; this
 * is the one place they are gathered.
 */
export const OPERATORS: ReadonlyMap<string, OperatorRule> = register([
  ...ELEMENTWISE_OPERATORS,
  ...LINEAR_OPERATORS,
  ...REDUCE_OPERATORS,
  ...SHAPE_OPERATORS,
  ...SOFTMAX_OPERATORS,
  ...NORMALIZATION_OPERATORS,
  ...DROPOUT_OPERATORS,
  ...CONV_OPERATORS,
  ...CONTROL_OPERATORS,
  ...NO_GRADIENT_OPERATORS,
]);

function namesOf(kind: OperatorRule['kind']): readonly string[] {
  return Object.freeze(
    [...OPERATORS.values()]
      .filter((r) => r.kind === kind)
      .map((r) => r.op)
      .sort(),
  );
}

/**
 * The default-domain operators that have a gradient rule. Every rule is
 * written in standard ONNX operators and checked against finite differences
 * in the package's tests; the README's table of supported operators, which
 * says how each gradient is written, is generated from the same registry.
 */
export const DIFFERENTIABLE_OPERATORS: readonly string[] = namesOf('differentiable');

/**
 * Operators whose outputs never carry a gradient (shapes, comparisons,
 * indices, rounding, random draws): they may appear anywhere in a model,
 * including next to the parameters.
 */
export const NON_DIFFERENTIABLE_OPERATORS: readonly string[] = namesOf('no-gradient');
