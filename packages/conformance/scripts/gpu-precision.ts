// How far single tfjs ops are from correctly rounded float32 on tfjs's
// backends in headless Chromium (cpu, webgl and webgpu on SwiftShader, and
// webgl with packing off): for each op, the largest error in float32 units
// in the last place (ulps) against a float64 reference rounded to float32,
// and the share of results that are exactly that (for reductions, ulps of
// the sum of the terms' magnitudes). Prints a table.
//
//   pnpm --filter @adamw/conformance run gpu-precision
import { fileURLToPath } from 'node:url';
import { lcg } from '@adamw/test-utils/random';
import { bundleForBrowser, withPage } from '../src/browser/index';
import type { OpInput, PrecisionApi } from './gpu-precision-page';

const ENTRY = fileURLToPath(new URL('./gpu-precision-page.ts', import.meta.url));
const N = 4096;

function values(n: number, seed: number, map: (u: number) => number): number[] {
  const r = lcg(seed);
  return Array.from({ length: n }, () => Math.fround(map(r())));
}

/** The distance between adjacent float32 values around `x`. */
function ulp(x: number): number {
  const a = Math.abs(x);
  if (a < 2 ** -126) return 2 ** -149;
  return 2 ** (Math.floor(Math.log2(a)) - 23);
}

const uniform = (lo: number, hi: number) => (u: number) => lo + (hi - lo) * u;
const logUniform = (lo: number, hi: number) => (u: number) => Math.exp(Math.log(lo) + (Math.log(hi) - Math.log(lo)) * u);
const [rows, inner, cols] = [64, 64, 32];
const a = values(N, 1, uniform(-3, 3));
const b = values(N, 2, uniform(0.5, 2));
const mmA = values(rows * inner, 3, uniform(-1, 1));
const mmB = values(inner * cols, 4, uniform(-1, 1));
const logits = values(N, 5, uniform(-8, 8));
const positive = values(N, 6, logUniform(1e-6, 1e4));

interface Case extends OpInput {
  /** The float64 result. */
  reference: number[];
  /**
   * The magnitude whose ulp counts, per result: the result itself for
   * elementwise ops, the sum of the magnitudes of the terms for reductions
   * (a sum that cancels cannot be held to its own tiny ulp).
   */
  scale?: number[];
}

const expSmall = values(N, 7, uniform(-1, 1));
const expWide = values(N, 8, uniform(-20, 20));
const tanhWide = a.filter((x) => Math.abs(x) >= 0.5);
const dot = (i: number, j: number, f: (x: number) => number) => {
  let s = 0;
  for (let t = 0; t < inner; t++) s += f(mmA[i * inner + t]! * mmB[t * cols + j]!);
  return s;
};
const rowOf = (i: number) => logits.slice(i - (i % 8), i - (i % 8) + 8);
const logSumExp = (row: number[]) => {
  const max = Math.max(...row);
  return max + Math.log(row.reduce((s, v) => s + Math.exp(v - max), 0));
};

const CASES: Case[] = [
  { id: 'add', op: 'add', a, aShape: [N], b, bShape: [N], reference: a.map((x, i) => x + b[i]!) },
  { id: 'mul', op: 'mul', a, aShape: [N], b, bShape: [N], reference: a.map((x, i) => x * b[i]!) },
  { id: 'div', op: 'div', a, aShape: [N], b, bShape: [N], reference: a.map((x, i) => x / b[i]!) },
  { id: 'sqrt', op: 'sqrt', a: positive, aShape: [N], reference: positive.map(Math.sqrt) },
  { id: 'exp, |x| ≤ 1', op: 'exp', a: expSmall, aShape: [N], reference: expSmall.map(Math.exp) },
  { id: 'exp, |x| ≤ 20', op: 'exp', a: expWide, aShape: [N], reference: expWide.map(Math.exp) },
  { id: 'log', op: 'log', a: positive, aShape: [N], reference: positive.map(Math.log) },
  { id: 'tanh, |x| ≤ 3', op: 'tanh', a, aShape: [N], reference: a.map(Math.tanh) },
  { id: 'tanh, |x| ≥ 0.5', op: 'tanh', a: tanhWide, aShape: [tanhWide.length], reference: tanhWide.map(Math.tanh) },
  { id: 'sigmoid', op: 'sigmoid', a: logits, aShape: [N], reference: logits.map((x) => 1 / (1 + Math.exp(-x))) },
  {
    id: 'logSoftmax (rows of 8)',
    op: 'logSoftmax',
    a: logits,
    aShape: [N / 8, 8],
    reference: logits.map((x, i) => x - logSumExp(rowOf(i))),
    scale: logits.map((x, i) => Math.abs(x) + Math.abs(logSumExp(rowOf(i)))),
  },
  {
    id: 'matMul (64·64·32)',
    op: 'matMul',
    a: mmA,
    aShape: [rows, inner],
    b: mmB,
    bShape: [inner, cols],
    reference: Array.from({ length: rows * cols }, (_, k) => dot(Math.floor(k / cols), k % cols, (x) => x)),
    scale: Array.from({ length: rows * cols }, (_, k) => dot(Math.floor(k / cols), k % cols, Math.abs)),
  },
  {
    id: 'sum (rows of 64)',
    op: 'sum',
    a: mmA,
    aShape: [rows, inner],
    reference: Array.from({ length: rows }, (_, i) => mmA.slice(i * inner, (i + 1) * inner).reduce((s, v) => s + v, 0)),
    scale: Array.from({ length: rows }, (_, i) => mmA.slice(i * inner, (i + 1) * inner).reduce((s, v) => s + Math.abs(v), 0)),
  },
];

const VARIANTS: { label: string; backend: string; graphics: 'webgl' | 'webgpu'; flags: Record<string, boolean | number> }[] = [
  { label: 'cpu', backend: 'cpu', graphics: 'webgl', flags: {} },
  { label: 'webgl', backend: 'webgl', graphics: 'webgl', flags: {} },
  { label: 'webgl, WEBGL_PACK off', backend: 'webgl', graphics: 'webgl', flags: { WEBGL_PACK: false } },
  { label: 'webgpu', backend: 'webgpu', graphics: 'webgpu', flags: {} },
];

const bundle = await bundleForBrowser(ENTRY);
const ops = CASES.map(({ reference: _r, scale: _s, ...o }) => o);
const byId = new Map(CASES.map((c) => [c.id, c]));
const table: Record<string, Record<string, string>> = {};
for (const v of VARIANTS) {
  const r = await withPage<PrecisionApi, Awaited<ReturnType<PrecisionApi['run']>>>({ entry: bundle, graphics: v.graphics, log: null }, (page) =>
    page.call('run', { backend: v.backend, flags: v.flags, ops }),
  );
  for (const [id, got] of Object.entries(r.out)) {
    const c = byId.get(id)!;
    const ref = c.reference.map(Math.fround);
    let worst = 0;
    let exact = 0;
    got.forEach((x, i) => {
      const e = Math.abs(x - ref[i]!) / ulp(c.scale?.[i] ?? ref[i]!);
      if (e === 0) exact++;
      worst = Math.max(worst, e);
    });
    (table[id] ??= {})[v.label] = `${worst < 10 ? worst.toFixed(1) : worst.toPrecision(2)} ulp, ${((100 * exact) / got.length).toFixed(0)}% exact`;
  }
}
console.log('Largest error of single ops against correctly rounded float32, and the share of exact results:');
console.table(table);
