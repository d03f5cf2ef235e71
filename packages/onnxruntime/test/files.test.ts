import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { createOrtTrainer, loadCheckpointFile, saveCheckpointFile } from '../src/node.js';
import { classifierBatch, classifierModel } from './helpers/mlp.js';

const sessionOptions = { intraOpNumThreads: 1, interOpNumThreads: 1 };

describe('checkpoint files', () => {
  it('save atomically and resume bit for bit; a corrupt file changes nothing', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'adamw-ort-files-'));
    const file = join(dir, 'model.ckpt');
    const options = { model: classifierModel(), optimizer: { lr: 0.03, weightDecay: 0.05 }, ort, sessionOptions };
    const a = await createOrtTrainer(options);
    for (let i = 0; i < 2; i++) await a.step(classifierBatch(8, i));
    await saveCheckpointFile(a, file);
    expect(await readdir(dir)).toEqual(['model.ckpt']); // no temporary file left behind
    const lossA = await a.step(classifierBatch(8, 2));

    const b = await createOrtTrainer(options);
    await loadCheckpointFile(b, file);
    expect(b.stepCount).toBe(2);
    expect(await b.step(classifierBatch(8, 2))).toBe(lossA);
    expect(Array.from(b.parameters['fc1.weight']!)).toEqual(Array.from(a.parameters['fc1.weight']!));

    const before = Array.from(b.parameters['fc1.weight']!);
    await writeFile(file, new Uint8Array([1, 2, 3]));
    await expect(loadCheckpointFile(b, file)).rejects.toThrow(/adamw/);
    expect(Array.from(b.parameters['fc1.weight']!)).toEqual(before);
    expect(b.stepCount).toBe(3);
    await a.release();
    await b.release();
    await rm(dir, { recursive: true });
  });
});
