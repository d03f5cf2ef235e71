// Runs the conformance suite (packages/conformance) over every committed
// PyTorch fixture with every adapter and writes docs/data/conformance.json,
// which the comparisons page renders as a table.
//
//   pnpm --filter @adamw/docs run conformance-table [--allow-missing] [--out FILE]
//
// Without --allow-missing it refuses to write a table that lacks one of the
// public packages' adapters.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import {
  compareTrajectory,
  coreAdapter,
  fixtureKind,
  fixtureLabel,
  listFixtures,
  listTrajectoryAdapters,
  loadFixture,
  loadTrajectoryAdapter,
  CORE_TOLERANCE,
  TRAJECTORY_TOLERANCE,
  type Dtype,
} from '@adamw/conformance';

/** The `format` field of docs/data/conformance.json. */
export const CONFORMANCE_FORMAT = 'adamw-conformance-table/1';

/** The packages whose adapters the table must cover. */
export const PUBLIC_ADAPTER_PACKAGES = ['core', 'trainer', 'tfjs', 'onnxruntime'] as const;

/** One fixture run through one adapter. */
export interface ConformanceCheck {
  fixture: string;
  adapter: string;
  kind: 'core' | 'trajectory';
  /** The fixture's dtype. */
  dtype: Dtype;
  /** The dtype the adapter computes in (tfjs: float32 whatever the fixture's); it sets the tolerance. */
  computedIn: Dtype;
  pass: boolean;
  /** Largest relative deviation of the per-step losses (trajectories only; null: not measurable). */
  loss: number | null;
  /** Largest relative deviation of the parameters (null: not measurable). */
  params: number | null;
  /** Largest relative deviation of the optimizer state (core fixtures only; null: not measurable). */
  state: number | null;
  /** Why a check failed without numbers (an adapter that threw, a missing parameter). */
  problems: string[];
}

/** The checks of one adapter on one dtype, summed up. */
export interface ConformanceRow {
  adapter: string;
  dtype: Dtype;
  computedIn: Dtype;
  fixtures: number;
  passed: number;
  /** Largest over the checks that could be measured (null for core fixtures, which have no loss). */
  loss: number | null;
  params: number;
  state: number | null;
  tolerance: { loss: number | null; params: number };
}

/** The whole of docs/data/conformance.json: one row per adapter and dtype, and every check. */
export interface ConformanceTable {
  format: typeof CONFORMANCE_FORMAT;
  command: string;
  node: string;
  rows: ConformanceRow[];
  checks: ConformanceCheck[];
}

/**
 * JSON has no Infinity: a deviation that cannot be measured (NaN against a
 * number, a missing array) is written as null, and its check fails.
 */
function finite(x: number): number | null {
  return Number.isFinite(x) ? x : null;
}

function adapterPackage(adapter: string): string {
  return adapter.split(/[-_.]/)[0]!;
}

/** Runs every fixture through every adapter that handles its kind. */
export async function collectChecks(
  fixtures: readonly string[] = listFixtures(),
  adapters: readonly string[] = listTrajectoryAdapters(),
  log: (line: string) => void = () => {},
): Promise<ConformanceCheck[]> {
  const checks: ConformanceCheck[] = [];
  for (const path of fixtures) {
    const fixture = loadFixture(path);
    const label = fixtureLabel(path);
    if (fixtureKind(fixture) === 'core' && fixture.format === 'adamw-core/1') {
      const { combined } = coreAdapter.check(fixture);
      checks.push({
        fixture: label,
        adapter: 'core',
        kind: 'core',
        dtype: fixture.dtype,
        computedIn: fixture.dtype,
        pass: combined.pass,
        loss: null,
        params: finite(combined.params.maxRel),
        state: finite(combined.state.maxRel),
        problems: combined.problems,
      });
      log(`${combined.pass ? 'PASS' : 'FAIL'}  ${label} × core`);
      continue;
    }
    if (fixture.format !== 'adamw-trajectory/1') continue;
    for (const name of adapters) {
      let check: ConformanceCheck;
      let computedIn: Dtype = fixture.dtype;
      // An adapter that cannot run this dtype at all (onnxruntime-web's WebGPU build and float64) has no row for it.
      const skip = (await loadTrajectoryAdapter(name).catch(() => undefined))?.unsupported?.[fixture.dtype];
      if (skip !== undefined) {
        log(`SKIP  ${label} × ${name}: ${skip}`);
        continue;
      }
      try {
        const adapter = await loadTrajectoryAdapter(name);
        computedIn = adapter.computeDtype ?? fixture.dtype;
        const c = compareTrajectory(fixture, await adapter.run(fixture), computedIn);
        check = {
          fixture: label,
          adapter: name,
          kind: 'trajectory',
          dtype: fixture.dtype,
          computedIn,
          pass: c.pass,
          loss: finite(c.loss.maxRel),
          params: finite(c.params.maxRel),
          state: null,
          problems: c.problems,
        };
      } catch (e) {
        check = {
          fixture: label,
          adapter: name,
          kind: 'trajectory',
          dtype: fixture.dtype,
          computedIn,
          pass: false,
          loss: null,
          params: null,
          state: null,
          problems: [(e as Error).message],
        };
      }
      checks.push(check);
      log(`${check.pass ? 'PASS' : 'FAIL'}  ${label} × ${name}`);
    }
  }
  return checks;
}

const max = (xs: readonly number[]): number => xs.reduce((a, b) => Math.max(a, b), 0);

/** One row per adapter and dtype: how many fixtures passed and the largest deviations. */
export function summarize(checks: readonly ConformanceCheck[]): ConformanceRow[] {
  const groups = new Map<string, ConformanceCheck[]>();
  for (const c of checks) {
    const key = `${c.adapter}\0${c.dtype}\0${c.computedIn}`;
    groups.set(key, [...(groups.get(key) ?? []), c]);
  }
  const order = (a: string) => {
    const i = PUBLIC_ADAPTER_PACKAGES.indexOf(adapterPackage(a) as (typeof PUBLIC_ADAPTER_PACKAGES)[number]);
    return i < 0 ? PUBLIC_ADAPTER_PACKAGES.length : i;
  };
  return [...groups.values()]
    .map((group): ConformanceRow => {
      const { adapter, dtype, computedIn, kind } = group[0]!;
      // As the runner does: computing in float32 is held to float32's tolerance.
      const toleranceDtype: Dtype = computedIn === 'float32' ? 'float32' : dtype;
      const measured = (xs: (number | null)[]) => xs.filter((x): x is number => x !== null);
      const losses = measured(group.map((c) => c.loss));
      const states = measured(group.map((c) => c.state));
      return {
        adapter,
        dtype,
        computedIn,
        fixtures: group.length,
        passed: group.filter((c) => c.pass).length,
        loss: kind === 'core' ? null : max(losses),
        params: max(measured(group.map((c) => c.params))),
        state: kind === 'core' ? max(states) : null,
        tolerance:
          kind === 'core'
            ? { loss: null, params: CORE_TOLERANCE[dtype].rel }
            : { loss: TRAJECTORY_TOLERANCE[toleranceDtype].loss.rel, params: TRAJECTORY_TOLERANCE[toleranceDtype].params.rel },
      };
    })
    .sort((a, b) => order(a.adapter) - order(b.adapter) || a.adapter.localeCompare(b.adapter) || a.dtype.localeCompare(b.dtype));
}

/** The public packages that no adapter covers. */
export function missingAdapterPackages(adapters: readonly string[]): string[] {
  const covered = new Set(['core', ...adapters.map(adapterPackage)]);
  return PUBLIC_ADAPTER_PACKAGES.filter((p) => !covered.has(p));
}

/** Where the table is written: docs/data/conformance.json at the repository root. */
export const DEFAULT_OUT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'docs', 'data', 'conformance.json');

/** The command line; resolves to the exit status (1 when a check fails or an adapter is missing). */
export async function main(argv: readonly string[]): Promise<number> {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      'allow-missing': { type: 'boolean' },
      out: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log('Usage: pnpm --filter @adamw/docs run conformance-table [--allow-missing] [--out FILE]');
    return 0;
  }
  const adapters = listTrajectoryAdapters();
  const missing = missingAdapterPackages(adapters);
  if (missing.length > 0 && !values['allow-missing']) {
    console.error(
      `conformance-table: no adapter for ${missing.join(', ')} in packages/conformance/src/adapters (present: ${adapters.join(', ') || 'none'}); --allow-missing writes the table without them`,
    );
    return 1;
  }
  const checks = await collectChecks(listFixtures(), adapters, (line) => console.log(line));
  const table: ConformanceTable = {
    format: CONFORMANCE_FORMAT,
    command: 'pnpm --filter @adamw/docs run conformance-table',
    node: process.version,
    rows: summarize(checks),
    checks,
  };
  const out = values.out === undefined ? DEFAULT_OUT : resolve(values.out);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(table, null, 2)}\n`);
  const failed = checks.filter((c) => !c.pass).length;
  console.log(`${checks.length} checks, ${failed} failed; wrote ${out}`);
  return failed > 0 ? 1 : 0;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      console.error(e);
      process.exitCode = 1;
    },
  );
}
