import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import {
  batchData,
  expandFixturePaths,
  FIXTURES_DIR,
  fixtureKind,
  fixtureLabel,
  fixtureNameOf,
  initialParams,
  listFixtures,
  loadCoreFixture,
  loadFixture,
  loadTrajectoryFixture,
  onnxBytes,
  readFixtureJson,
  tensorData,
  toTyped,
} from '../src/fixtures';

const tmp = mkdtempSync(join(tmpdir(), 'adamw-conformance-fixtures-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const coreFiles = listFixtures('core');
const trajectoryFiles = listFixtures('trajectory');

describe('fixture files', () => {
  it('lists core fixtures first, then trajectories, then whole models, all of them', () => {
    const all = listFixtures();
    expect(all).toEqual([...coreFiles, ...trajectoryFiles, ...listFixtures('onnx-training')]);
    expect(coreFiles.length).toBeGreaterThanOrEqual(60);
    expect(trajectoryFiles.length).toBeGreaterThanOrEqual(8);
    expect(fixtureLabel(coreFiles[0]!)).toMatch(/^core\//);
  });

  it('are small enough to commit', () => {
    const total = listFixtures().reduce((n, f) => n + readFileSync(f).length, 0);
    expect(total).toBeLessThan(4 * 1024 * 1024);
  });

  it('reads plain and gzipped JSON alike, and revives non-finite values', () => {
    // As Python's json module writes them: -0.0 keeps its sign.
    const text = '{"format":"adamw-core/1","values":[1.5,"Infinity","-Infinity","NaN",-0.0]}';
    writeFileSync(join(tmp, 'a.json'), text);
    writeFileSync(join(tmp, 'b.json.gz'), gzipSync(text));
    for (const name of ['a.json', 'b.json.gz']) {
      const back = readFixtureJson(join(tmp, name)) as { values: number[] };
      expect(back.values.slice(0, 3)).toEqual([1.5, Infinity, -Infinity]);
      expect(back.values[3]).toBeNaN();
      expect(Object.is(back.values[4], -0)).toBe(true);
    }
    expect(expandFixturePaths([tmp]).map(fixtureNameOf)).toEqual(['a', 'b']);
  });

  it('rejects files that are not fixtures', () => {
    writeFileSync(join(tmp, 'other.json'), JSON.stringify({ format: 'something/1' }));
    expect(() => loadFixture(join(tmp, 'other.json'))).toThrow(/not a conformance fixture/);
    expect(() => loadTrajectoryFixture(coreFiles[0]!)).toThrow(/adamw-trajectory\/1/);
    expect(() => loadCoreFixture(trajectoryFiles[0]!)).toThrow(/adamw-core\/1/);
  });
});

describe.each(coreFiles.map((p) => [fixtureNameOf(p), p] as const))('core fixture %s', (name, path) => {
  const f = loadCoreFixture(path);
  it('is well formed', () => {
    expect(f.format).toBe('adamw-core/1');
    expect(fixtureKind(f)).toBe('core');
    expect(f.name).toBe(name);
    expect(f.generator.torch).toMatch(/^\d+\.\d+/);
    expect(f.generator.script).toBe('generator/generate_core.py');
    expect(f.description.length).toBeGreaterThan(0);
    const n = f.params.length;
    expect(n).toBeGreaterThan(0);
    for (const g of f.grads) expect(g.length).toBe(n);
    if (f.scheduleMultipliers !== undefined) expect(f.scheduleMultipliers.length).toBe(f.grads.length);
    const steps = f.expected.map((e) => e.step);
    expect(steps).toEqual([...steps].sort((a, b) => a - b));
    expect(steps[steps.length - 1]).toBe(f.grads.length);
    for (const e of f.expected) {
      expect(e.params.length).toBe(n);
      if (f.optimizer === 'adamw') {
        expect(e.m?.length).toBe(n);
        expect(e.v?.length).toBe(n);
        expect(e.vMax === undefined).toBe(!f.options.amsgrad);
      } else {
        expect(e.v).toBeUndefined();
        expect(e.m === undefined).toBe(f.options.momentum === 0);
      }
    }
  });

  if (f.dtype === 'float32') {
    it('holds only float32 values', () => {
      const arrays = [f.params, ...f.grads, ...f.expected.flatMap((e) => [e.params, e.m ?? [], e.v ?? [], e.vMax ?? []])];
      let inexact = 0;
      for (const a of arrays) {
        const typed = toTyped(a, 'float32');
        a.forEach((x, i) => {
          if (!Object.is(typed[i], x) && !Number.isNaN(x)) inexact++;
        });
      }
      expect(inexact).toBe(0);
    });
  }
});

describe.each(trajectoryFiles.map((p) => [fixtureNameOf(p), p] as const))('trajectory fixture %s', (name, path) => {
  const f = loadTrajectoryFixture(path);
  it('is well formed', () => {
    expect(f.format).toBe('adamw-trajectory/1');
    expect(fixtureKind(f)).toBe('trajectory');
    expect(f.name).toBe(name);
    expect(f.generator.script).toBe('generator/generate_trajectories.py');
    const { layers } = f.model;
    const names: string[] = [];
    for (let i = 0; i + 1 < layers.length; i++) {
      expect(f.params[`lins.${i}.weight`]?.shape).toEqual([layers[i + 1], layers[i]]);
      expect(f.params[`lins.${i}.bias`]?.shape).toEqual([layers[i + 1]]);
      names.push(`lins.${i}.weight`, `lins.${i}.bias`);
    }
    expect(Object.keys(f.params).sort()).toEqual(names.sort());
    expect(Object.keys(f.expected.params).sort()).toEqual(names.sort());
    for (const n of names) {
      expect(tensorData(f.params[n]!, f.dtype).length).toBe(tensorData(f.expected.params[n]!, f.dtype).length);
    }
    const init = initialParams(f);
    expect(Object.keys(init).sort()).toEqual(names.sort());
    for (const a of Object.values(init)) expect(a).toBeInstanceOf(f.dtype === 'float32' ? Float32Array : Float64Array);

    const [rows, inDim] = f.data.x.shape as [number, number];
    expect(inDim).toBe(layers[0]);
    expect(f.data.x.data.length).toBe(rows * inDim);
    const outDim = layers[layers.length - 1]!;
    if (f.model.loss === 'softmax-cross-entropy') {
      expect(f.data.y.shape).toEqual([rows]);
      for (const label of f.data.y.data) {
        expect(Number.isInteger(label) && label >= 0 && label < outDim).toBe(true);
      }
    } else {
      expect(f.data.y.shape).toEqual([rows, outDim]);
    }
    const steps = f.batches.length;
    expect(f.expected.losses.length).toBe(steps);
    expect(f.optimizer.scheduleMultipliers.length).toBe(steps);
    for (const b of f.batches) for (const r of b) expect(r >= 0 && r < rows).toBe(true);
    for (const n of f.optimizer.noDecay) expect(names).toContain(n);
    expect(rows).toBeLessThanOrEqual(300);
    expect(steps).toBeLessThanOrEqual(30);
  });

  it('carries an ONNX graph and extracts batches', () => {
    const bytes = onnxBytes(f);
    expect(bytes.length).toBeGreaterThan(100);
    // The initializer names appear verbatim in the protobuf.
    const text = Buffer.from(bytes).toString('latin1');
    for (const n of Object.keys(f.params)) expect(text).toContain(n);
    const b = batchData(f, 0);
    const size = f.batches[0]!.length;
    expect(b.xShape).toEqual([size, f.model.layers[0]]);
    expect(b.x.length).toBe(size * f.model.layers[0]!);
    const r0 = f.batches[0]![0]!;
    expect(b.x[0]).toBe(f.data.x.data[r0 * f.model.layers[0]!]);
    if (f.model.loss === 'softmax-cross-entropy') expect(b.y).toBeInstanceOf(Int32Array);
    expect(() => batchData(f, f.batches.length)).toThrow(RangeError);
  });
});

describe('paths', () => {
  it('labels fixtures relative to the fixtures folder', () => {
    expect(fixtureLabel(join(FIXTURES_DIR, 'core', 'x-f32.json.gz'))).toBe(join('core', 'x-f32'));
    expect(fixtureLabel('/elsewhere/y.json')).toBe('/elsewhere/y');
  });
});
