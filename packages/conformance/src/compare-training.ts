import { deviation, formatDeviation, INFINITE_DEVIATION, NO_DEVIATION, within, worse, type Deviation, type Tolerance } from './compare';
import type { OnnxTrainingResult } from './ort/onnx-training';
import type { OnnxTrainingFixture } from './read/onnx-training';
import type { StoredTensor } from './fixtures';

/**
 * Tolerances for `adamw-onnx-training/1` fixtures (float32 models), each a
 * relative deviation above its floor and absolute at the floor's scale below:
 *
 * - `grads`: every gradient at the initial weights, 1e-4 (floor 1e-3). torch's
 *   own float32 gradients are up to 5.5e-5 from its float64 ones (the CNN).
 * - `loss`: the loss at the initial weights and every trajectory loss, 1e-5
 *   (floor 1e-3); torch float32 against float64: at most 2.0e-7.
 * - `params`: the trained parameters after the last step, 2e-4 (floor 1e-2),
 *   as for the MLP trajectories; torch float32 against float64: at most
 *   3.8e-6. Elements the fixture lists as `undetermined` are not held to it
 *   (their gradients are rounding noise, which Adam turns into steps of up to
 *   the learning rate in a direction decided by that noise); their count is
 *   reported.
 * - `buffers`: the running statistics after the last step, as `params`.
 */
export const ONNX_TRAINING_TOLERANCE: Readonly<Record<'grads' | 'loss' | 'params' | 'buffers', Tolerance>> = Object.freeze({
  grads: { rel: 1e-4, floor: 1e-3 },
  loss: { rel: 1e-5, floor: 1e-3 },
  params: { rel: 2e-4, floor: 1e-2 },
  buffers: { rel: 2e-4, floor: 1e-2 },
});

/** The worst deviation over named arrays, and where. */
export interface NamedDeviation {
  worst: Deviation;
  /** The name with the largest deviation. */
  name: string | undefined;
  byName: Record<string, Deviation>;
}

/** The tolerances a comparison used: `ONNX_TRAINING_TOLERANCE`, with an adapter's gradient bound where it declares one. */
export type OnnxTrainingTolerance = Readonly<Record<'grads' | 'loss' | 'params' | 'buffers', Tolerance>> & { gradsWhy?: string };

export interface OnnxTrainingComparison {
  /** The loss at the initial weights and the trajectory's losses, together. */
  loss: Deviation;
  grads: NamedDeviation;
  params: NamedDeviation;
  /** Absent when the fixture records no running statistics. */
  buffers?: NamedDeviation;
  /** How many parameter elements were not held to the tolerance (`expected.undetermined`). */
  undetermined: number;
  tolerance: OnnxTrainingTolerance;
  pass: boolean;
  /** Problems that are not numeric: a missing or extra array, a wrong count, a frozen parameter that moved. */
  problems: string[];
}

function compareNamed(
  expected: Record<string, StoredTensor>,
  actual: Record<string, ArrayLike<number>> | undefined,
  floor: number,
  what: string,
  problems: string[],
  skip: Record<string, number[]> = {},
): NamedDeviation {
  let worst: Deviation = NO_DEVIATION;
  let name: string | undefined;
  const byName: Record<string, Deviation> = {};
  for (const [n, t] of Object.entries(expected)) {
    let a = actual?.[n];
    let d: Deviation;
    if (a === undefined) {
      problems.push(`${what} ${n} is missing`);
      d = INFINITE_DEVIATION;
    } else {
      if (a.length !== t.data.length) problems.push(`${what} ${n} has ${a.length} values, expected ${t.data.length}`);
      const ignored = skip[n];
      if (ignored !== undefined && a.length === t.data.length) {
        const copy = Array.from(a);
        for (const i of ignored) copy[i] = t.data[i]!;
        a = copy;
      }
      d = deviation(a, t.data, floor);
    }
    byName[n] = d;
    if (name === undefined || d.maxRel > worst.maxRel) name = n;
    worst = worse(worst, d);
  }
  for (const n of Object.keys(actual ?? {})) if (!(n in expected)) problems.push(`${what} ${n} was not expected (a frozen or unknown parameter)`);
  return { worst, name, byName };
}

/**
 * Compares what an implementation computed with an `adamw-onnx-training/1`
 * fixture's expectations; `gradients` is an adapter's declared gradient bound.
 */
export function compareOnnxTraining(f: OnnxTrainingFixture, r: OnnxTrainingResult, gradients?: { rel: number; why: string }): OnnxTrainingComparison {
  const tol: OnnxTrainingTolerance =
    gradients === undefined
      ? ONNX_TRAINING_TOLERANCE
      : { ...ONNX_TRAINING_TOLERANCE, grads: { ...ONNX_TRAINING_TOLERANCE.grads, rel: gradients.rel }, gradsWhy: gradients.why };
  const problems: string[] = [];
  const expected = f.trajectory.expected;
  if (r.losses.length !== expected.losses.length) problems.push(`${r.losses.length} losses, expected ${expected.losses.length}`);
  const loss = worse(deviation([r.gradients.loss], [f.gradients.expected.loss], tol.loss.floor), deviation(r.losses, expected.losses, tol.loss.floor));
  const grads = compareNamed(f.gradients.expected.grads, r.gradients.grads, tol.grads.floor, 'gradient of', problems);
  const undetermined = expected.undetermined ?? {};
  const params = compareNamed(expected.params, r.params, tol.params.floor, 'parameter', problems, undetermined);
  const out: OnnxTrainingComparison = {
    loss,
    grads,
    params,
    undetermined: Object.values(undetermined).reduce((n, list) => n + list.length, 0),
    tolerance: tol,
    pass: false,
    problems,
  };
  if (expected.buffers !== undefined) out.buffers = compareNamed(expected.buffers, r.buffers, tol.buffers.floor, 'running statistic', problems);
  for (const name of r.changedFrozen ?? []) problems.push(`frozen parameter ${name} changed`);
  out.pass =
    problems.length === 0 &&
    within(loss, tol.loss) &&
    within(grads.worst, tol.grads) &&
    within(params.worst, tol.params) &&
    (out.buffers === undefined || within(out.buffers.worst, tol.buffers));
  return out;
}

/**
 * The report line of one check: status, fixture × adapter, then the largest
 * relative deviation of the gradients, losses, parameters (and running
 * statistics) with their tolerances; on failure the worst array; with
 * `verbose`, one line per array.
 */
export function onnxTrainingLine(label: string, adapter: string, c: OnnxTrainingComparison, elapsed: string, verbose = false): string {
  const t = c.tolerance;
  const f = formatDeviation;
  let line =
    `${c.pass ? 'PASS' : 'FAIL'}  ${label} × ${adapter}: grads ${f(c.grads.worst.maxRel)} (tolerance ${f(t.grads.rel)}${t.gradsWhy ? `, ${t.gradsWhy}` : ''}), ` +
    `loss ${f(c.loss.maxRel)} (tolerance ${f(t.loss.rel)}), params ${f(c.params.worst.maxRel)} (tolerance ${f(t.params.rel)}` +
    `${c.undetermined > 0 ? `; ${c.undetermined} undetermined elements not held to it` : ''})` +
    (c.buffers ? `, running stats ${f(c.buffers.worst.maxRel)} (tolerance ${f(t.buffers.rel)})` : '') +
    ` (float32; ${elapsed})`;
  if (!c.pass) {
    const worst: string[] = [];
    if (!within(c.grads.worst, t.grads)) worst.push(`gradient of ${c.grads.name}`);
    if (!within(c.params.worst, t.params)) worst.push(`parameter ${c.params.name}`);
    if (c.buffers && !within(c.buffers.worst, t.buffers)) worst.push(`running statistic ${c.buffers.name}`);
    if (worst.length > 0) line += `; worst ${worst.join(', ')}`;
  }
  for (const p of c.problems) line += `\n      ${p}`;
  if (verbose) {
    const groups: [string, NamedDeviation | undefined][] = [
      ['grad', c.grads],
      ['param', c.params],
      ['running', c.buffers],
    ];
    for (const [what, g] of groups) {
      for (const [n, d] of Object.entries(g?.byName ?? {})) line += `\n      ${what} ${n}: ${f(d.maxRel)} (abs ${f(d.maxAbs)})`;
    }
  }
  return line;
}
