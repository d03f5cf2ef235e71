import { spawnTs } from './child.js';

/** What the writer had reported when it was killed. */
export interface CrashOutcome {
  /** The generation of the last save that completed (`saved <gen>`). */
  lastSaved: number;
  /** The generation of the last save that started (`begin <gen>`): equal to `lastSaved`, or one more when killed mid-save. */
  begun: number;
  /** Milliseconds after the last `begin` at which SIGKILL was sent. */
  killedAfterMs: number;
  /** Mean duration of the completed saves, in milliseconds. */
  meanSaveMs: number;
}

/**
 * Runs a writer child that saves checkpoints in a loop, printing
 * `begin <gen>` before each save and `saved <gen> <ms>` after it, and kills
 * it with SIGKILL at a random moment inside a save: after `warmupSaves`
 * completed saves (so a previous checkpoint exists and the save time is
 * known), `random()·1.2·meanSaveMs` after the next `begin`.
 */
export function killDuringSave(
  script: string,
  args: string[],
  random: () => number,
  { warmupSaves = 2, timeoutMs = 60_000 }: { warmupSaves?: number; timeoutMs?: number } = {},
): Promise<CrashOutcome> {
  return new Promise((resolve, reject) => {
    const child = spawnTs(script, args);
    let buffered = '';
    let stderr = '';
    let lastSaved = 0;
    let begun = 0;
    let beganAt = 0;
    const durations: number[] = [];
    let armed = false;
    let killedAfterMs = -1;
    const guard = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${script} did not reach a save within ${timeoutMs} ms; stderr:\n${stderr}`));
    }, timeoutMs);

    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout!.on('data', (d: Buffer) => {
      buffered += d.toString();
      let newline: number;
      while ((newline = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, newline).trim();
        buffered = buffered.slice(newline + 1);
        const [word, gen, ms] = line.split(' ');
        if (word === 'begin') {
          begun = Number(gen);
          beganAt = performance.now();
          if (durations.length >= warmupSaves && !armed) {
            armed = true;
            const mean = durations.reduce((a, b) => a + b, 0) / durations.length;
            const delay = random() * 1.2 * mean;
            setTimeout(() => {
              killedAfterMs = performance.now() - beganAt;
              child.kill('SIGKILL');
            }, delay);
          }
        } else if (word === 'saved') {
          lastSaved = Number(gen);
          durations.push(Number(ms));
        }
      }
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(guard);
      if (signal !== 'SIGKILL') {
        reject(new Error(`${script} exited by itself (code ${code}); stderr:\n${stderr}`));
        return;
      }
      const meanSaveMs = durations.reduce((a, b) => a + b, 0) / Math.max(1, durations.length);
      resolve({ lastSaved, begun, killedAfterMs, meanSaveMs });
    });
  });
}
