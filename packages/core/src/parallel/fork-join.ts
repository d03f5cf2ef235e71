/** Where a calling thread and its workers meet in a control block (an Int32Array over a SharedArrayBuffer). */
export interface ForkJoinSlots {
  /** Incremented by the caller to start a round; workers wait on it with `Atomics.wait`. */
  readonly seq: number;
  /** Workers that have finished the round (each adds 1 and notifies). */
  readonly done: number;
  /** Workers that failed in the round (each adds 1 before it counts itself done). */
  readonly errors: number;
}

/**
 * One round of work on worker threads without messages: wakes the `workers`
 * threads waiting on `control[slots.seq]`, runs the calling thread's share
 * `own`, then waits (`Atomics.wait`) until every worker has counted itself
 * in `control[slots.done]`, even when `own` throws. Returns how many workers
 * reported an error in `control[slots.errors]`. The workers loop on
 * `Atomics.wait(control, slots.seq, seen)`, do their share, and add 1 to
 * `done` (and `errors`) with `Atomics.notify` on `done`.
 */
export function forkJoin(control: Int32Array, slots: ForkJoinSlots, workers: number, own: () => void): number {
  Atomics.store(control, slots.done, 0);
  Atomics.store(control, slots.errors, 0);
  Atomics.add(control, slots.seq, 1);
  Atomics.notify(control, slots.seq);
  try {
    own();
  } finally {
    for (let d = Atomics.load(control, slots.done); d < workers; d = Atomics.load(control, slots.done)) Atomics.wait(control, slots.done, d);
  }
  return Atomics.load(control, slots.errors);
}

/**
 * Tells the workers of {@link forkJoin} to leave their loop: sets
 * `control[slots.command]` to 1 and wakes them as for a round, so that each
 * sees the command instead of work.
 */
export function stopForkJoin(control: Int32Array, slots: ForkJoinSlots & { readonly command: number }): void {
  Atomics.store(control, slots.command, 1);
  Atomics.add(control, slots.seq, 1);
  Atomics.notify(control, slots.seq);
}
