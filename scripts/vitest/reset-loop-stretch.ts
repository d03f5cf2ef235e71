// vitest global setup: starts each run's `.vitest-loop-stretch.jsonl` afresh (see event-loop-stretch.ts).
import { rmSync } from 'node:fs';

export default function setup(): void {
  rmSync('.vitest-loop-stretch.jsonl', { force: true });
}
