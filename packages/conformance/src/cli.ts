import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import {
  adapterKind,
  compareTrajectory,
  coreAdapter,
  listAdapters,
  listTrajectoryAdapters,
  loadTrajectoryAdapter,
  ADAPTERS_DIR,
  CORE_ADAPTER_NAME,
} from './adapters';
import { formatDeviation } from './compare';
import { compareOnnxTraining, onnxTrainingLine } from './compare-training';
import { expandFixturePaths, fixtureKind, fixtureLabel, listFixtures, loadFixture, type Dtype, type Fixture } from './fixtures';

const USAGE = `Usage: pnpm conformance [--adapter NAME]... [FILE|DIR]...

Checks implementations against the PyTorch fixtures. Core step fixtures run
through @adamw/core (adapter 'core'); trajectory fixtures (adamw-trajectory/1)
through every trajectory adapter present in src/adapters/; whole-model
fixtures (adamw-onnx-training/1) through those adapters that run ONNX models.

  -a, --adapter NAME  only this adapter (repeatable)
  -l, --list          list the adapters and fixtures, then exit
  -v, --verbose       also print the deviation of each entry point / parameter
  -h, --help          this text

With no FILE, every committed fixture. Exit status: 0 when every check is
within tolerance, 1 when one is not, 2 on a usage error.`;

/** Where the CLI writes; the tests capture it. */
export interface CliIO {
  out: (line: string) => void;
  err: (line: string) => void;
}

const defaultIO: CliIO = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};

class UsageError extends Error {}

interface Largest {
  loss: number;
  params: number;
  state: number;
  grads: number;
}

/** The adapters among `names` that run ONNX models; one that fails to load stays, so that its error is reported. */
async function onnxCapable(names: readonly string[], adaptersDir: string): Promise<string[]> {
  const out: string[] = [];
  for (const name of names) {
    const adapter = await loadTrajectoryAdapter(name, adaptersDir).catch(() => undefined);
    if (adapter === undefined || adapter.runOnnxTraining !== undefined) out.push(name);
  }
  return out;
}

/** The adapters among `names` that declare `dtype` fixtures unsupported, with their reasons. */
async function unsupportedFor(names: readonly string[], dtype: Dtype, adaptersDir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const name of names) {
    const why = (await loadTrajectoryAdapter(name, adaptersDir).catch(() => undefined))?.unsupported?.[dtype];
    if (why !== undefined) out.set(name, why);
  }
  return out;
}

function seconds(start: number): string {
  return `${((performance.now() - start) / 1000).toFixed(2)} s`;
}

/** Runs the CLI with the given arguments; resolves to the exit status. */
export async function main(argv: readonly string[], io: CliIO = defaultIO, adaptersDir: string = ADAPTERS_DIR): Promise<number> {
  try {
    return await run(argv, io, adaptersDir);
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`conformance: ${e.message}`);
      io.err(`Try 'pnpm conformance --help'.`);
      return 2;
    }
    throw e;
  }
}

async function run(argv: readonly string[], io: CliIO, adaptersDir: string): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        adapter: { type: 'string', short: 'a', multiple: true },
        list: { type: 'boolean', short: 'l' },
        verbose: { type: 'boolean', short: 'v' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    io.out(USAGE);
    return 0;
  }
  const available = listAdapters(adaptersDir);
  const requested = values.adapter;
  if (requested !== undefined) {
    for (const name of requested) {
      if (!available.includes(name)) {
        throw new UsageError(`unknown adapter '${name}' (available: ${available.join(', ')})`);
      }
    }
  }
  for (const p of positionals) {
    if (!existsSync(p)) throw new UsageError(`no such file or directory: ${p}`);
  }
  const files = positionals.length > 0 ? expandFixturePaths(positionals) : listFixtures();
  if (values.list) {
    io.out(`adapters: ${available.join(', ')}`);
    for (const f of files) io.out(fixtureLabel(f));
    return 0;
  }
  if (files.length === 0) throw new UsageError('no fixture files given');

  const fixtures: { path: string; fixture: Fixture }[] = [];
  for (const path of files) {
    try {
      fixtures.push({ path, fixture: loadFixture(path) });
    } catch (e) {
      throw new UsageError(`cannot load ${path}: ${(e as Error).message}`);
    }
  }

  const trajectoryAdapters = listTrajectoryAdapters(adaptersDir);
  let checks = 0;
  let failures = 0;
  let skipped = 0;
  const largest = new Map<string, Largest>();
  const note = (key: string, loss: number, params: number, state: number, grads = 0): void => {
    const l = largest.get(key) ?? { loss: 0, params: 0, state: 0, grads: 0 };
    largest.set(key, {
      loss: Math.max(l.loss, loss),
      params: Math.max(l.params, params),
      state: Math.max(l.state, state),
      grads: Math.max(l.grads, grads),
    });
  };

  for (const { path, fixture } of fixtures) {
    const label = fixtureLabel(path);
    const kind = fixtureKind(fixture);
    const adapterKindWanted = kind === 'core' ? 'core' : 'trajectory';
    let names =
      requested !== undefined ? requested.filter((n) => adapterKind(n) === adapterKindWanted) : kind === 'core' ? [CORE_ADAPTER_NAME] : trajectoryAdapters;
    if (kind === 'onnx-training') names = await onnxCapable(names, adaptersDir);
    if (fixture.format === 'adamw-trajectory/1' && names.length > 0) {
      const unsupported = await unsupportedFor(names, fixture.dtype, adaptersDir);
      for (const [name, why] of unsupported) io.out(`SKIP  ${label} × ${name}: ${why}`);
      names = names.filter((n) => !unsupported.has(n));
      if (names.length === 0) {
        skipped++;
        continue;
      }
    }
    if (names.length === 0) {
      skipped++;
      const why =
        kind === 'onnx-training'
          ? `no ${requested !== undefined ? 'requested adapter' : 'adapter present'} runs ONNX models`
          : requested !== undefined
            ? `no requested adapter handles ${kind} fixtures`
            : 'no trajectory adapter present';
      io.out(`SKIP  ${label}: ${why}`);
      continue;
    }
    for (const name of names) {
      checks++;
      const start = performance.now();
      if (fixture.format === 'adamw-core/1') {
        let line: string;
        try {
          const { combined, modes } = coreAdapter.check(fixture);
          const tol = combined.tolerance.rel;
          const status = combined.pass ? 'PASS' : 'FAIL';
          if (!combined.pass) failures++;
          note(`core ${fixture.dtype}`, 0, combined.params.maxRel, combined.state.maxRel);
          const where = combined.worst && !combined.pass ? `; worst at step ${combined.worst.step} ${combined.worst.array}[${combined.worst.index}]` : '';
          line =
            `${status}  ${label} × ${name}: loss -, params ${formatDeviation(combined.params.maxRel)}, ` +
            `state ${formatDeviation(combined.state.maxRel)} (tolerance ${formatDeviation(tol)}, ${fixture.dtype}; ${seconds(start)})${where}`;
          for (const p of combined.problems) line += `\n      ${p}`;
          if (values.verbose) {
            for (const [mode, c] of Object.entries(modes)) {
              const parts = Object.entries(c.arrays)
                .map(([a, d]) => `${a} ${formatDeviation(d.maxRel)} (abs ${formatDeviation(d.maxAbs)})`)
                .join(', ');
              line += `\n      ${mode}: ${parts}`;
            }
          }
        } catch (e) {
          failures++;
          line = `FAIL  ${label} × ${name}: ${(e as Error).message}`;
        }
        io.out(line);
      } else if (fixture.format === 'adamw-onnx-training/1') {
        let line: string;
        try {
          const adapter = await loadTrajectoryAdapter(name, adaptersDir);
          const c = compareOnnxTraining(fixture, await adapter.runOnnxTraining!(fixture), adapter.gradientTolerance);
          if (!c.pass) failures++;
          note(`${name} onnx-training`, c.loss.maxRel, c.params.worst.maxRel, 0, c.grads.worst.maxRel);
          line = onnxTrainingLine(label, name, c, seconds(start), values.verbose);
        } catch (e) {
          failures++;
          line = `FAIL  ${label} × ${name}: ${(e as Error).message}`;
        }
        io.out(line);
      } else {
        let line: string;
        try {
          const adapter = await loadTrajectoryAdapter(name, adaptersDir);
          const result = await adapter.run(fixture);
          const computeDtype = adapter.computeDtype ?? fixture.dtype;
          const c = compareTrajectory(fixture, result, computeDtype);
          const status = c.pass ? 'PASS' : 'FAIL';
          if (!c.pass) failures++;
          note(`${name} ${fixture.dtype}`, c.loss.maxRel, c.params.maxRel, 0);
          line =
            `${status}  ${label} × ${name}: loss ${formatDeviation(c.loss.maxRel)} (tolerance ${formatDeviation(c.tolerance.loss.rel)}), ` +
            `params ${formatDeviation(c.params.maxRel)} (tolerance ${formatDeviation(c.tolerance.params.rel)}; ${fixture.dtype}${computeDtype !== fixture.dtype ? ` computed in ${computeDtype}` : ''}; ${seconds(start)})`;
          if (!c.pass && c.worstParam !== undefined) line += `; worst parameter ${c.worstParam}`;
          for (const p of c.problems) line += `\n      ${p}`;
          if (values.verbose) {
            for (const [p, d] of Object.entries(c.byParam)) {
              line += `\n      ${p}: ${formatDeviation(d.maxRel)} (abs ${formatDeviation(d.maxAbs)})`;
            }
          }
        } catch (e) {
          failures++;
          line = `FAIL  ${label} × ${name}: ${(e as Error).message}`;
        }
        io.out(line);
      }
    }
  }

  if (checks === 0) throw new UsageError('nothing to check: no adapter applies to the given fixtures');
  for (const [key, l] of [...largest].sort(([a], [b]) => a.localeCompare(b))) {
    const [adapter, dtype] = key.split(' ') as [string, Dtype | 'onnx-training'];
    const parts =
      adapter === CORE_ADAPTER_NAME
        ? `params ${formatDeviation(l.params)}, state ${formatDeviation(l.state)}`
        : dtype === 'onnx-training'
          ? `grads ${formatDeviation(l.grads)}, loss ${formatDeviation(l.loss)}, params ${formatDeviation(l.params)}`
          : `loss ${formatDeviation(l.loss)}, params ${formatDeviation(l.params)}`;
    io.out(`largest deviation, ${adapter} ${dtype}: ${parts}`);
  }
  io.out(`${checks} checks: ${checks - failures} passed, ${failures} failed` + (skipped > 0 ? `, ${skipped} fixtures skipped` : ''));
  return failures > 0 ? 1 : 0;
}

const invoked = process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
if (invoked) {
  // A closed pipe (`pnpm conformance | head`) is not an error.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      process.stderr.write(`conformance: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
      process.exitCode = 1;
    },
  );
}
