import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { OPERATORS } from '../src/autodiff/rules/index.js';
import { operatorTable, TABLE_BEGIN, TABLE_END, withOperatorTable } from '../src/autodiff/table.js';
import { DIFFERENTIABLE_OPERATORS, NON_DIFFERENTIABLE_OPERATORS } from '../src/index.js';
import { CONTROL_CASES } from './cases/control.js';
import { CONV_CASES } from './cases/conv.js';
import { ELEMENTWISE_CASES } from './cases/elementwise.js';
import { LINEAR_CASES } from './cases/linear.js';
import { NORMALIZATION_CASES } from './cases/normalization.js';
import { REDUCE_CASES } from './cases/reduce.js';
import { SHAPE_CASES } from './cases/shape.js';
import { SOFTMAX_CASES } from './cases/softmax.js';
import { operatorsOf } from './helpers/cases.js';

const ALL_CASES = [ELEMENTWISE_CASES, LINEAR_CASES, REDUCE_CASES, SHAPE_CASES, SOFTMAX_CASES, CONV_CASES, NORMALIZATION_CASES, CONTROL_CASES].flat();

describe('the operator registry', () => {
  it('has a finite-difference case for every differentiable operator', () => {
    const covered = operatorsOf(ALL_CASES);
    const missing = DIFFERENTIABLE_OPERATORS.filter((op) => !covered.has(op));
    expect(missing, `differentiable operators without a case in test/cases/*.ts: ${missing.join(', ')}`).toEqual([]);
  });

  it('gives every differentiable operator an inference rule and a line for the docs', () => {
    for (const rule of OPERATORS.values()) {
      if (rule.kind !== 'differentiable') continue;
      expect(rule.infer, rule.op).toBeTypeOf('function');
      expect(rule.doc.length, rule.op).toBeGreaterThan(0);
    }
  });

  it('lists what torch 1.13 exports for the models this package trains', () => {
    // Transformer encoders, causal attention, GPT-style blocks, CNNs with BatchNorm, LayerNorm MLPs, EmbeddingBag.
    for (const op of [
      'LayerNormalization',
      'BatchNormalization',
      'Softmax',
      'MatMul',
      'Erf',
      'Tanh',
      'Slice',
      'Split',
      'Where',
      'Expand',
      'Loop',
      'Trilu',
      'Dropout',
      'Gather',
    ]) {
      expect(DIFFERENTIABLE_OPERATORS).toContain(op);
    }
    for (const op of ['Shape', 'ConstantOfShape', 'Range', 'Equal', 'Less', 'Not']) expect(NON_DIFFERENTIABLE_OPERATORS).toContain(op);
  });
});

describe('the table of supported operators', () => {
  const files = ['../README.md', '../../../docs/guide/onnxruntime.md'].map((p) => fileURLToPath(new URL(p, import.meta.url)));

  it.each(files)('in %s is the one generated from the registry (pnpm --filter @adamw/onnxruntime generate:operators)', (file) => {
    const text = readFileSync(file, 'utf8');
    expect(text).toContain(TABLE_BEGIN);
    expect(text).toContain(TABLE_END);
    expect(withOperatorTable(text, file)).toBe(text);
  });

  it('has one row per differentiable operator', () => {
    const rows = operatorTable()
      .split('\n')
      .filter((l) => l.startsWith('| ') && !l.startsWith('| operator') && !l.startsWith('| ---'));
    expect(rows.map((r) => r.split(' | ')[0]!.slice(2))).toEqual([...DIFFERENTIABLE_OPERATORS]);
  });
});
