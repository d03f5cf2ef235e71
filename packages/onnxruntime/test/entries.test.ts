import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as main from '../src/index.js';
import * as node from '../src/node.js';
import { decodeModel } from '../src/proto/codec.js';
import { readFloatTensor } from '../src/proto/tensor.js';
import { classifierBatch, classifierModel } from './helpers/mlp.js';

const sessionOptions = { intraOpNumThreads: 1, interOpNumThreads: 1 };

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'adamw-ort-entries-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The DeprecationWarnings Node emits while `f` runs (they are emitted on the next tick). */
async function deprecations<T>(f: () => Promise<T>): Promise<{ value: T; warnings: { code?: string | undefined; message: string }[] }> {
  const warnings: { code?: string | undefined; message: string }[] = [];
  const listener = (w: Error & { code?: string }) => {
    if (w.name === 'DeprecationWarning') warnings.push({ code: w.code, message: w.message });
  };
  process.on('warning', listener);
  try {
    const value = await f();
    await new Promise((r) => setImmediate(r));
    return { value, warnings };
  } finally {
    process.off('warning', listener);
  }
}

describe('@adamw/onnxruntime/node', () => {
  it('defaults ort to onnxruntime-node and reads the model from a file', async () => {
    expect((await node.loadOnnxruntimeNode()).InferenceSession).toBe(ort.InferenceSession);
    const file = join(dir, 'classifier.onnx');
    await writeFile(file, classifierModel());
    const fromFile = await node.createOrtTrainer({ model: file, optimizer: { lr: 0.05 }, sessionOptions });
    const fromBytes = await main.createOrtTrainer({ model: classifierModel(), optimizer: { lr: 0.05 }, ort, sessionOptions });
    for (let i = 0; i < 3; i++) {
      expect(await fromFile.step(classifierBatch(8, i))).toBe(await fromBytes.step(classifierBatch(8, i)));
    }
    expect(Array.from(fromFile.parameters['fc1.weight']!)).toEqual(Array.from(fromBytes.parameters['fc1.weight']!));
    await fromFile.release();
    await fromBytes.release();
  });

  it('saves the trained model atomically, with the trained values in its initializers', async () => {
    const trainer = await node.createOrtTrainer({ model: classifierModel(), optimizer: { lr: 0.05 }, sessionOptions });
    await trainer.step(classifierBatch(8, 0));
    const sub = await mkdtemp(join(dir, 'model-'));
    const file = join(sub, 'trained.onnx');
    await node.saveModelFile(trainer, file);
    expect(await readdir(sub)).toEqual(['trained.onnx']); // no temporary file left behind
    const saved = decodeModel(new Uint8Array(await readFile(file)));
    const w = saved.graph!.initializer!.find((t) => t.name === 'fc1.weight')!;
    expect(Array.from(readFloatTensor(w))).toEqual(Array.from(trainer.parameters['fc1.weight']!));
    const session = await ort.InferenceSession.create(file, sessionOptions);
    expect(session.inputNames).toEqual(['x', 'y']);
    await session.release();
    await trainer.release();
  });

  it('names the file it cannot read', async () => {
    await expect(node.createOrtTrainer({ model: join(dir, 'missing.onnx') })).rejects.toThrow(/cannot read the ONNX model '.*missing\.onnx'/);
    const trainer = await node.createOrtTrainer({ model: classifierModel(), sessionOptions });
    await expect(node.loadCheckpointFile(trainer, join(dir, 'missing.ckpt'))).rejects.toThrow(/cannot read the checkpoint '.*missing\.ckpt'/);
    await trainer.release();
  });
});

/** Every source file under src/, relative to it. */
function sources(dir = new URL('../src/', import.meta.url)): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(new URL(`${e.name}/`, dir)).map((f) => `${e.name}/${f}`) : e.name.endsWith('.ts') ? [e.name] : [],
  );
}

describe('the main entry', () => {
  it('imports nothing Node-only, not even types: only src/node.ts may', () => {
    const NODE_ONLY = /^(node:|fs|path|os|url|worker_threads|child_process|onnxruntime-node|@adamw\/core\/node)(\/|$)/;
    const offending: string[] = [];
    for (const file of sources().filter((f) => f !== 'node.ts')) {
      const text = readFileSync(new URL(`../src/${file}`, import.meta.url), 'utf8');
      // Import and export statements (type-only ones too) and dynamic imports of a literal.
      const specifiers = [...text.matchAll(/^\s*(?:import|export)\b[^;]*?\bfrom\s*'([^']+)'/gm), ...text.matchAll(/\bimport\(\s*'([^']+)'\s*\)/g)];
      for (const m of specifiers) if (NODE_ONLY.test(m[1]!)) offending.push(`${file}: ${m[1]}`);
    }
    expect(sources().length).toBeGreaterThan(20);
    expect(offending).toEqual([]);
  });

  it('refuses an ort that is not an ONNX Runtime module, naming the option', async () => {
    await expect(main.createOrtTrainer({ model: classifierModel(), ort: {} as never })).rejects.toThrow(/options\.ort must be an ONNX Runtime module/);
    await expect(main.createOrtTrainer({ model: classifierModel(), ort: { InferenceSession: {}, Tensor: ort.Tensor } as never })).rejects.toThrow(
      /options\.ort/,
    );
  });

  it('takes a module whose default export is ONNX Runtime (import ort from ...)', async () => {
    const trainer = await main.createOrtTrainer({ model: classifierModel(), ort: { default: ort } as never, sessionOptions });
    expect(Number.isFinite(await trainer.step(classifierBatch(4, 0)))).toBe(true);
    await trainer.release();
  });

  it('without ort, in Node, still trains with onnxruntime-node and warns once that this is deprecated', async () => {
    const first = await deprecations(() => main.createOrtTrainer({ model: classifierModel(), optimizer: { lr: 0.05 }, sessionOptions }));
    expect(first.warnings).toHaveLength(1);
    expect(first.warnings[0]!.code).toBe('ADAMW_ORT_DEFAULT_MODULE');
    expect(first.warnings[0]!.message).toMatch(/@adamw\/onnxruntime\/node/);
    const second = await deprecations(() => main.createOrtTrainer({ model: classifierModel(), optimizer: { lr: 0.05 }, sessionOptions }));
    expect(second.warnings).toEqual([]);
    const withOrt = await main.createOrtTrainer({ model: classifierModel(), optimizer: { lr: 0.05 }, ort, sessionOptions });
    expect(await first.value.step(classifierBatch(8, 1))).toBe(await withOrt.step(classifierBatch(8, 1)));
    for (const t of [first.value, second.value, withOrt]) await t.release();
  });

  it('still saves and loads checkpoint files in Node, through the Node entry, with a deprecation warning', async () => {
    const file = join(dir, 'deprecated.ckpt');
    const a = await main.createOrtTrainer({ model: classifierModel(), optimizer: { lr: 0.05 }, ort, sessionOptions });
    await a.step(classifierBatch(8, 0));
    const saved = await deprecations(() => main.saveCheckpointFile(a, file));
    expect(saved.warnings.map((w) => w.code)).toEqual(['ADAMW_ORT_CHECKPOINT_FILES']);
    expect(saved.warnings[0]!.message).toMatch(/saveCheckpointFile .*import it from '@adamw\/onnxruntime\/node'/);
    const b = await main.createOrtTrainer({ model: classifierModel(), optimizer: { lr: 0.05 }, ort, sessionOptions });
    const loaded = await deprecations(() => main.loadCheckpointFile(b, file));
    expect(loaded.warnings).toEqual([]); // one warning per process
    expect(b.stepCount).toBe(1);
    expect(Array.from(b.parameters['fc2.weight']!)).toEqual(Array.from(a.parameters['fc2.weight']!));
    await a.release();
    await b.release();
  });
});
