import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { TRAJECTORY_TOLERANCE, deviation, within, worse, NO_DEVIATION, type Deviation, type Tolerance } from './compare';
import { CORE_MODES, checkCoreFixture, type CoreComparison, type CoreMode } from './core-runner';
import type { CoreFixture, Dtype, FixtureKind, OnnxTrainingFixture, TrajectoryFixture } from './fixtures';
import type { OnnxTrainingResult } from './ort/onnx-training';

/** What a trajectory adapter returns: the loss of every step and the final parameters. */
export interface TrajectoryResult {
  /** The loss of each step's batch, computed before that step's update. */
  losses: number[];
  /** The parameters after the last step, by the fixture's names. */
  params: Record<string, Float32Array | Float64Array>;
}

/**
 * An implementation under test that trains a trajectory fixture's model
 * from its initial parameters over its batches with its optimizer settings.
 * Each adapter lives in `src/adapters/<name>.ts` and exports it as `adapter`.
 */
export interface TrajectoryAdapter {
  name: string;
  /**
   * The precision the adapter computes in whatever the fixture's dtype
   * (tfjs is float32 only). A float64 fixture is then held to the float32
   * tolerance, and the result line says so.
   */
  computeDtype?: Dtype;
  /**
   * Fixture dtypes the adapter cannot run, each with the reason: those
   * fixtures are skipped for it (a SKIP line says why) instead of failing.
   */
  unsupported?: Partial<Record<Dtype, string>>;
  /**
   * A looser bound on the whole-model gradients than `ONNX_TRAINING_TOLERANCE`'s,
   * for a runtime whose float32 kernels round differently from torch's and
   * onnxruntime-node's (measured, with the reason); the result line says so.
   */
  gradientTolerance?: { rel: number; why: string };
  run(fixture: TrajectoryFixture): Promise<TrajectoryResult>;
  /**
   * Trains an `adamw-onnx-training/1` fixture's ONNX model: gradients at the
   * initial weights and the trajectory. Adapters that cannot run ONNX
   * models leave it out, and those fixtures skip them.
   */
  runOnnxTraining?(fixture: OnnxTrainingFixture): Promise<OnnxTrainingResult>;
}

/** The built-in adapter that checks core step fixtures against `@adamw/core`. */
export interface CoreAdapter {
  name: 'core';
  /** Runs the fixture through every entry point and reports the worst of them. */
  check(fixture: CoreFixture): CoreAdapterReport;
}

export interface CoreAdapterReport {
  /** The worst comparison over the modes. */
  combined: CoreComparison;
  /** One comparison per entry point (`adamwStep`/`sgdwStep` and the in-place ones). */
  modes: Record<CoreMode, CoreComparison>;
}

export const CORE_ADAPTER_NAME = 'core';

export const coreAdapter: CoreAdapter = {
  name: 'core',
  check(fixture) {
    const modes = {} as Record<CoreMode, CoreComparison>;
    for (const mode of CORE_MODES) modes[mode] = checkCoreFixture(fixture, mode);
    const [first, ...rest] = CORE_MODES.map((m) => modes[m]);
    let combined = first!;
    for (const c of rest) {
      combined = {
        ...combined,
        params: worse(combined.params, c.params),
        state: worse(combined.state, c.state),
        worst: c.params.maxRel > combined.params.maxRel || c.state.maxRel > combined.state.maxRel ? c.worst : combined.worst,
        pass: combined.pass && c.pass,
        problems: [...combined.problems, ...c.problems],
      };
    }
    return { combined, modes };
  },
};

// ---------------------------------------------------------------------------
// Registry of trajectory adapters

/** The folder that trajectory adapters live in. */
export const ADAPTERS_DIR: string = fileURLToPath(new URL('./adapters/', import.meta.url));

const ADAPTER_FILE = /^([a-z0-9][a-z0-9-]*)\.(ts|mts|js|mjs)$/;

function adapterFiles(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  if (!existsSync(dir)) return out;
  for (const file of readdirSync(dir).sort()) {
    if (file.endsWith('.d.ts') || file.includes('.test.')) continue;
    const match = ADAPTER_FILE.exec(file);
    if (!match) continue;
    const name = match[1]!;
    // The TypeScript source wins over a compiled copy of the same name.
    if (name === CORE_ADAPTER_NAME || (out.has(name) && !file.endsWith('.ts'))) continue;
    out.set(name, join(dir, file));
  }
  return out;
}

/**
 * Names of the trajectory adapters whose files are present, sorted. Adapters
 * that are planned but not written yet are simply not listed.
 */
export function listTrajectoryAdapters(dir: string = ADAPTERS_DIR): string[] {
  return [...adapterFiles(dir).keys()];
}

/** Every adapter name that can be used: `core` and the trajectory adapters present. */
export function listAdapters(dir: string = ADAPTERS_DIR): string[] {
  return [CORE_ADAPTER_NAME, ...listTrajectoryAdapters(dir)];
}

/**
 * The kind of fixture an adapter handles: `core` for the built-in adapter,
 * `trajectory` for the others (which may also handle `onnx-training`
 * fixtures, when they implement `runOnnxTraining`).
 */
export function adapterKind(name: string): FixtureKind {
  return name === CORE_ADAPTER_NAME ? 'core' : 'trajectory';
}

const loaded = new Map<string, Promise<TrajectoryAdapter>>();

function isTrajectoryAdapter(x: unknown): x is TrajectoryAdapter {
  return typeof x === 'object' && x !== null && typeof (x as TrajectoryAdapter).name === 'string' && typeof (x as TrajectoryAdapter).run === 'function';
}

/**
 * Imports `src/adapters/<name>` on first use and returns its `adapter`
 * export. Throws when the file does not exist or does not export an
 * adapter.
 */
export function loadTrajectoryAdapter(name: string, dir: string = ADAPTERS_DIR): Promise<TrajectoryAdapter> {
  const key = `${dir}\0${name}`;
  let p = loaded.get(key);
  if (p === undefined) {
    p = (async () => {
      const file = adapterFiles(dir).get(name);
      if (file === undefined) {
        throw new Error(`no trajectory adapter named '${name}' (present: ${listTrajectoryAdapters(dir).join(', ') || 'none'})`);
      }
      const mod = (await import(pathToFileURL(file).href)) as { adapter?: unknown; default?: unknown };
      const adapter = mod.adapter ?? mod.default;
      if (!isTrajectoryAdapter(adapter)) {
        throw new Error(`${file} does not export an adapter ({ name, run })`);
      }
      return adapter;
    })();
    loaded.set(key, p);
    // A failed import may succeed later (for example after a build).
    p.catch(() => loaded.delete(key));
  }
  return p;
}

// ---------------------------------------------------------------------------
// Checking a trajectory result

export interface TrajectoryComparison {
  /** Deviation of the per-step losses. */
  loss: Deviation;
  /** Largest deviation over all final parameters. */
  params: Deviation;
  /** The parameter with the largest deviation. */
  worstParam: string | undefined;
  /** Deviation per parameter name. */
  byParam: Record<string, Deviation>;
  tolerance: { loss: Tolerance; params: Tolerance };
  pass: boolean;
  /** Problems that are not numeric: a missing parameter, a wrong count of losses. */
  problems: string[];
}

/** Compares what an adapter produced with a trajectory fixture's expectations. */
export function compareTrajectory(f: TrajectoryFixture, result: TrajectoryResult, computeDtype: Dtype = f.dtype): TrajectoryComparison {
  // Computing in float32 cannot meet a float64 tolerance; hold it to float32's.
  const tolerance = TRAJECTORY_TOLERANCE[computeDtype === 'float32' ? 'float32' : f.dtype];
  const problems: string[] = [];
  const expectedLosses = f.expected.losses;
  // A fixture that expects nothing would pass without a single comparison.
  if (expectedLosses.length === 0) problems.push('the fixture expects no losses: nothing was compared');
  if (Object.keys(f.expected.params).length === 0) problems.push('the fixture expects no final parameters: nothing was compared');
  if (result.losses.length !== expectedLosses.length) {
    problems.push(`${result.losses.length} losses, expected ${expectedLosses.length}`);
  }
  const loss = deviation(result.losses, expectedLosses, tolerance.loss.floor);
  let params: Deviation = NO_DEVIATION;
  let worstParam: string | undefined;
  const byParam: Record<string, Deviation> = {};
  for (const [name, t] of Object.entries(f.expected.params)) {
    const actual = result.params[name];
    let d: Deviation;
    if (actual === undefined) {
      problems.push(`parameter ${name} is missing`);
      d = { maxAbs: Infinity, maxRel: Infinity, index: -1 };
    } else {
      if (actual.length !== t.data.length) problems.push(`parameter ${name} has ${actual.length} values, expected ${t.data.length}`);
      d = deviation(actual, t.data, tolerance.params.floor);
    }
    byParam[name] = d;
    if (worstParam === undefined || d.maxRel > params.maxRel) worstParam = name;
    params = worse(params, d);
  }
  const pass = problems.length === 0 && within(loss, tolerance.loss) && within(params, tolerance.params);
  return { loss, params, worstParam, byParam, tolerance, pass, problems };
}
