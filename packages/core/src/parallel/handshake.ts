import { CONTROL, WORKER_SLOTS } from './worker.js';

/** How long the calling thread spins for the workers' answers before it sleeps. */
const ANSWER_SPIN_MS = 0.02;

// The calling thread's side of a step (see parallelWorkerMain for the
// workers' side). A step has two waits, each bounded by a timeout, so that a
// worker that has died (its 'exit' event cannot arrive while this thread is
// blocked) fails the step instead of hanging it:
//
//   1. wake the workers and wait until every one has answered; only then
//      open the gate, so no thread writes anything before all are known alive;
//   2. after this thread's own share, wait until every one has finished.

/**
 * Waits until `control[index]` reaches `target`; false when `timeoutMs` passed
 * first. It spins for up to `spinMs` before it sleeps: waking from
 * Atomics.wait costs this thread tens of microseconds, which the answers of
 * live workers (they come within microseconds on idle cores) should not add
 * to every step.
 */
function waitUntil(control: Int32Array, index: number, target: number, timeoutMs: number, spinMs = 0): boolean {
  const start = performance.now();
  if (spinMs > 0) {
    for (let k = 1; Atomics.load(control, index) < target; k++) {
      if ((k & 255) === 0 && performance.now() - start > spinMs) break;
    }
  }
  const deadline = start + timeoutMs;
  for (let value = Atomics.load(control, index); value < target; value = Atomics.load(control, index)) {
    const left = deadline - performance.now();
    if (left <= 0) return false;
    Atomics.wait(control, index, value, left);
  }
  return true;
}

/** The first worker whose `slot` does not hold step number `seq`. */
function firstBehind(control: Int32Array, workerCount: number, slot: number, seq: number): number {
  for (let id = 0; id < workerCount; id++) {
    if (Atomics.load(control, CONTROL.workers + id * WORKER_SLOTS.stride + slot) !== seq) return id;
  }
  return 0;
}

/**
 * Wakes the workers for a step and opens the gate once every one has
 * answered. Returns the step number, and the first worker that did not answer
 * within `timeoutMs` (or -1): then the gate opens on a verdict that runs
 * nothing, and no thread has written anything.
 */
export function openStep(control: Int32Array, workerCount: number, timeoutMs: number): { seq: number; silent: number } {
  Atomics.store(control, CONTROL.done, 0);
  Atomics.store(control, CONTROL.errors, 0);
  Atomics.store(control, CONTROL.answered, 0);
  const seq = (Atomics.add(control, CONTROL.seq, 1) + 1) | 0;
  Atomics.notify(control, CONTROL.seq);
  const answered = waitUntil(control, CONTROL.answered, workerCount, timeoutMs, ANSWER_SPIN_MS);
  Atomics.store(control, CONTROL.verdict, answered ? seq : (seq + 1) | 0);
  Atomics.add(control, CONTROL.gate, 1);
  Atomics.notify(control, CONTROL.gate);
  return { seq, silent: answered ? -1 : firstBehind(control, workerCount, WORKER_SLOTS.answered, seq) };
}

/** Waits until every worker has finished step `seq`; returns the first that did not within `timeoutMs`, or -1. */
export function finishStep(control: Int32Array, workerCount: number, timeoutMs: number, seq: number): number {
  return waitUntil(control, CONTROL.done, workerCount, timeoutMs) ? -1 : firstBehind(control, workerCount, WORKER_SLOTS.finished, seq);
}

/** Tells every worker to stop, wherever it waits (for a step or at the gate). */
export function stopWorkers(control: Int32Array): void {
  Atomics.store(control, CONTROL.command, 1);
  Atomics.add(control, CONTROL.seq, 1);
  Atomics.notify(control, CONTROL.seq);
  Atomics.add(control, CONTROL.gate, 1);
  Atomics.notify(control, CONTROL.gate);
}
