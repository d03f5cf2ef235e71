// The worker-thread step when a worker is gone: the step fails with an error
// that names the worker instead of waiting for it forever, and no thread has
// written anything (the calling thread's share included).
import { describe, expect, it } from 'vitest';
import { adamwStepInPlace, initAdamW, type AdamWState, type FloatArray } from '../src/index.js';
import { createParallelAdamW, initSharedAdamW, shareFloatArray, type ParallelAdamW } from '../src/parallel/index.js';
import { parallelWorkerThreads } from '../src/parallel/parallel-adamw.js';

const N = 4099;

interface Model {
  params: FloatArray;
  grads: FloatArray;
  state: AdamWState;
}

function model(pool: ParallelAdamW, inPool: boolean): Model {
  const start = Float32Array.from({ length: N }, (_, i) => Math.sin(i));
  const grads = Float32Array.from({ length: N }, (_, i) => 0.1 * Math.cos(i));
  if (inPool) {
    const params = pool.copyOf(start);
    return { params, grads: pool.copyOf(grads), state: pool.initAdamW(params) };
  }
  const params = shareFloatArray(start);
  return { params, grads: shareFloatArray(grads), state: initSharedAdamW(params) };
}

const bits = ({ params, state }: Model) => ({ params: Array.from(params), m: Array.from(state.m), v: Array.from(state.v), step: state.step });

/** Blocks this thread for `ms` without turning the event loop (so no worker 'exit' event is seen). */
const sleepSync = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

describe('a parallel pool with a dead worker', () => {
  for (const inPool of [true, false]) {
    const where = inPool ? "arrays in the pool's memory" : 'other shared arrays';

    it(`${where}: a worker that has exited fails the next step at once, naming it, with nothing written`, async () => {
      const pool = await createParallelAdamW({ workers: 2, minLengthPerThread: 64 });
      const m = model(pool, inPool);
      pool.step(m.params, m.grads, m.state);
      const before = bits(m);
      await parallelWorkerThreads(pool)[1]!.terminate();
      expect(() => pool.step(m.params, m.grads, m.state)).toThrow(
        /parallel AdamW worker 1 has exited \(code 1\); nothing was written\. This pool can no longer step/,
      );
      expect(bits(m)).toEqual(before);
      // Later steps fail the same way, on small arrays too; close still works.
      expect(() => pool.step(m.params, m.grads, m.state)).toThrow(/worker 1 has exited/);
      const small = pool.copyOf(new Float32Array(8));
      expect(() => pool.step(small, pool.float32(8), pool.initAdamW(small))).toThrow(/worker 1 has exited/);
      await pool.close();
      // The arrays are whole and still step on one thread.
      adamwStepInPlace(m.params, m.grads, m.state);
      expect(m.state.step).toBe(2);
    });

    it(`${where}: a worker that died while this thread never let its exit event through fails the step after workerTimeoutMs, with nothing written`, async () => {
      const pool = await createParallelAdamW({ workers: 2, minLengthPerThread: 64, workerTimeoutMs: 400 });
      const m = model(pool, inPool);
      pool.step(m.params, m.grads, m.state);
      const before = bits(m);
      const stopped = parallelWorkerThreads(pool)[0]!.terminate();
      sleepSync(300);
      const started = performance.now();
      expect(() => pool.step(m.params, m.grads, m.state)).toThrow(
        /parallel AdamW worker 0 did not answer within 400 ms \(it has exited or is stuck\); nothing was written/,
      );
      expect(performance.now() - started).toBeGreaterThanOrEqual(350);
      expect(bits(m)).toEqual(before);
      await stopped;
      expect(() => pool.step(m.params, m.grads, m.state)).toThrow(/worker 0/);
      await pool.close();
    });
  }

  it('a frozen state is refused before any thread writes', async () => {
    const pool = await createParallelAdamW({ workers: 2, minLengthPerThread: 64 });
    const m = model(pool, true);
    const before = bits(m);
    Object.freeze(m.state);
    expect(() => pool.step(m.params, m.grads, m.state)).toThrow(/state\.step cannot be written/);
    expect(bits(m)).toEqual(before);
    // The pool is fine afterwards.
    const ok = model(pool, true);
    const reference = { params: ok.params.slice(), state: initAdamW(ok.params.slice()) };
    pool.step(ok.params, ok.grads, ok.state);
    adamwStepInPlace(reference.params, ok.grads.slice(), reference.state);
    expect(Array.from(ok.params)).toEqual(Array.from(reference.params));
    await pool.close();
  });

  it('workerTimeoutMs must be a positive number of milliseconds', async () => {
    for (const workerTimeoutMs of [0, -1, Number.NaN, '5']) {
      await expect(createParallelAdamW({ workers: 1, workerTimeoutMs: workerTimeoutMs as number })).rejects.toThrow(/option workerTimeoutMs must be/);
    }
  });
});
