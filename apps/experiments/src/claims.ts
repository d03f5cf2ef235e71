import type { Analysis, Comparison, Separability } from './analysis.js';
import { OPTIMIZERS, type OptimizerName } from './config.js';
import { percent, points, signed } from './format.js';

/** What the rerun says about one claim of the paper. */
export interface Claim {
  /** The claim, in the paper's terms. */
  claim: string;
  /** `inconclusive`: this grid cannot tell (too few seeds or learning rates, or best λ on the grid's edge). */
  verdict: 'reproduced' | 'partly reproduced' | 'not reproduced' | 'inconclusive';
  /** The figures behind the verdict. */
  evidence: string;
}

/** A slope no farther from 0 than this counts as "does not move with α". */
export const FLAT_SLOPE = 0.3;
/** A slope at most this counts as "moves against α" (the diagonal of L2). */
export const DIAGONAL_SLOPE = -0.5;
/** A fit needs at least this many learning rates to say anything about a slope. */
export const MIN_ROWS = 3;

const label = (o: OptimizerName) => OPTIMIZERS[o].label;

function slopeText(o: OptimizerName, s: Separability): string {
  if (s.slope === null) return `${label(o)}: ${s.rows.length} learning rate(s) in the good region, no slope`;
  return `${label(o)}: slope ${signed(s.slope)} (r² ${s.r2!.toFixed(2)}, ${s.rows.length} learning rates${s.onEdge > 0 ? `, ${s.onEdge} with the best λ on the grid's edge` : ''})`;
}

/** Whether a slope fit can carry a verdict: enough rows, most of them not stuck on the grid's edge. */
function usable(s: Separability | undefined): s is Separability & { slope: number } {
  return s !== undefined && s.slope !== null && s.rows.length >= MIN_ROWS && s.onEdge * 2 <= s.rows.length;
}

function separabilityClaim(coupled: OptimizerName, decoupled: OptimizerName, a: Analysis, family: string): Claim | undefined {
  const c = a.separability[coupled];
  const d = a.separability[decoupled];
  if (c === undefined || d === undefined) return undefined;
  const claim = `For ${family}, decoupled weight decay makes the best λ independent of the learning rate (slope ≈ 0), while with L2 the best λ moves against α (slope ≈ −1).`;
  const evidence = `${slopeText(decoupled, d)}; ${slopeText(coupled, c)}. Flat means a slope from −${FLAT_SLOPE} to +${FLAT_SLOPE}, diagonal a slope of −${Math.abs(DIAGONAL_SLOPE)} or less.`;
  if (!usable(c) || !usable(d))
    return {
      claim,
      verdict: 'inconclusive',
      evidence: `${evidence} A verdict needs ${MIN_ROWS} or more learning rates in the good region, most with the best λ inside the grid.`,
    };
  const flat = Math.abs(d.slope) <= FLAT_SLOPE;
  const diagonal = c.slope <= DIAGONAL_SLOPE;
  const verdict = flat && diagonal ? 'reproduced' : flat || diagonal ? 'partly reproduced' : 'not reproduced';
  return { claim, verdict, evidence };
}

function comparison(a: Analysis, x: OptimizerName, y: OptimizerName): Comparison | undefined {
  return a.comparisons.find((c) => c.a === x && c.b === y);
}

function differenceText(c: Comparison): string {
  const ci = c.ci95 === null ? 'no interval with one seed' : `95% CI ${points(c.ci95[0])} to ${points(c.ci95[1])}`;
  return `${label(c.a)} − ${label(c.b)} = ${points(c.difference)} (${ci})`;
}

/** -1: a is lower than b beyond doubt; 1: higher; 0: the interval holds 0; undefined: no interval. */
function sign(c: Comparison | undefined): -1 | 0 | 1 | undefined {
  if (c === undefined || c.ci95 === null) return undefined;
  if (c.ci95[1] < 0) return -1;
  if (c.ci95[0] > 0) return 1;
  return 0;
}

function generalizationClaim(a: Analysis): Claim | undefined {
  const c = comparison(a, 'adamw', 'adam-l2');
  const w = a.best.adamw;
  const l2 = a.best['adam-l2'];
  if (c === undefined || w === undefined || l2 === undefined) return undefined;
  const claim = 'AdamW generalizes better than Adam with L2: its best test error is lower.';
  const evidence =
    `Best test error AdamW ${percent(w.testError)}, Adam with L2 ${percent(l2.testError)}; ${differenceText(c)}. ` +
    `Generalization gap (test − training error) at the best cells: AdamW ${points(w.gap)}, Adam with L2 ${points(l2.gap)}.`;
  const s = sign(c);
  if (s === undefined) return { claim, verdict: 'inconclusive', evidence: `${evidence} An interval needs two or more seeds.` };
  return {
    claim,
    verdict: s === -1 ? 'reproduced' : 'not reproduced',
    evidence: s === 0 ? `${evidence} The interval holds 0: no difference is measurable at this size.` : evidence,
  };
}

function sgdGapClaim(a: Analysis): Claim | undefined {
  const sgd = (['sgd-l2', 'sgdw'] as const).filter((o) => a.best[o] !== undefined).sort((x, y) => a.best[x]!.testError - a.best[y]!.testError)[0];
  if (sgd === undefined || a.best.adamw === undefined || a.best['adam-l2'] === undefined) return undefined;
  const l2VsSgd = comparison(a, 'adam-l2', sgd);
  const wVsSgd = comparison(a, 'adamw', sgd);
  const claim = 'With decoupled decay Adam competes with SGD with momentum, which outperforms Adam with L2.';
  const evidence = `Against the better SGD (${label(sgd)}, ${percent(a.best[sgd]!.testError)}): ${l2VsSgd ? differenceText(l2VsSgd) : 'n/a'}; ${wVsSgd ? differenceText(wVsSgd) : 'n/a'}.`;
  const l2 = sign(l2VsSgd);
  const w = sign(wVsSgd);
  if (l2 === undefined || w === undefined) return { claim, verdict: 'inconclusive', evidence: `${evidence} An interval needs two or more seeds.` };
  if (l2 !== 1) {
    return {
      claim,
      verdict: 'not reproduced',
      evidence: `${evidence} Adam with L2 is not measurably worse than SGD here, so there is no gap for AdamW to close.`,
    };
  }
  return { claim, verdict: w === 1 ? 'not reproduced' : 'reproduced', evidence };
}

/**
 * The paper's claims (its abstract and Figure 2), each with a verdict
 * computed from the analysis: (i) decoupling for SGD and for Adam, (ii)
 * AdamW's better generalization, and Adam with decoupled decay competing
 * with SGD with momentum.
 */
export function claims(a: Analysis): Claim[] {
  return [
    separabilityClaim('adam-l2', 'adamw', a, 'Adam'),
    separabilityClaim('sgd-l2', 'sgdw', a, 'SGD with momentum'),
    generalizationClaim(a),
    sgdGapClaim(a),
  ].filter((c): c is Claim => c !== undefined);
}

/**
 * What torch's α-scaled form measured, when it ran. Not a claim of the
 * paper: the reason the paper decays by η_t·λ instead.
 */
export function torchFormNotes(a: Analysis): string[] {
  const out: string[] = [];
  for (const [torch, paper] of [
    ['adamw-torch', 'adamw'],
    ['sgdw-torch', 'sgdw'],
  ] as const) {
    const t = a.separability[torch];
    const p = a.separability[paper];
    if (t === undefined) continue;
    out.push(
      `${slopeText(torch, t)}${p ? `; in the paper's form, ${slopeText(paper, p)}` : ''}. ` +
        'Multiplied by α, the decay per step is α·η_t·λ: keeping it fixed while α changes needs λ ∝ 1/α (a slope of −1).',
    );
  }
  return out;
}
