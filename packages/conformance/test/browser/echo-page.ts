// A page for the harness's own tests: no framework, just the calling protocol.
import { expose } from '../../src/browser/in-page';

const loadedAt = performance.now();

export const api = expose({
  echo: (input: { values: number[]; label: string }) => ({ sum: input.values.reduce((a, b) => a + b, 0), label: input.label.toUpperCase(), loadedAt }),
  later: async (ms: number) => {
    await new Promise((r) => setTimeout(r, ms));
    return 'done';
  },
  fail: (message: string) => {
    console.error(`about to fail: ${message}`);
    throw new RangeError(message);
  },
  noInput: () => typeof window,
});

export type EchoApi = typeof api;
