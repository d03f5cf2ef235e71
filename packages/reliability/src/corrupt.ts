import { mulberry32 } from '@adamw/test-utils/random';
/** A damaged copy of a checkpoint and what was done to it. */
export interface Corruption {
  name: string;
  bytes: Uint8Array;
}

/** A small deterministic PRNG (mulberry32), so a failing corruption can be reproduced. */
export const prng: (seed: number) => () => number = mulberry32;

/**
 * Ways a checkpoint's bytes go bad in practice: cut short (a crash or a full
 * disk), single bits flipped anywhere (storage or transfer errors; at the
 * start, in the middle and in the last bytes, where a checksum sits), and
 * bytes that were never a checkpoint (another file under the same name).
 */
export function corruptions(good: Uint8Array, seed = 1): Corruption[] {
  const random = prng(seed);
  const out: Corruption[] = [];
  for (const keep of [0, 1, 8, 16, Math.floor(good.length / 2), good.length - 4, good.length - 1]) {
    if (keep >= 0 && keep < good.length) out.push({ name: `truncated to ${keep} of ${good.length} bytes`, bytes: good.slice(0, keep) });
  }
  out.push({ name: 'one extra byte', bytes: Uint8Array.from([...good, 0]) });
  const positions = new Set<number>([0, 9, 13, 20, Math.floor(good.length / 2), good.length - 2, good.length - 1]);
  while (positions.size < 16) positions.add(Math.floor(random() * good.length));
  for (const at of [...positions].filter((p) => p >= 0 && p < good.length).sort((a, b) => a - b)) {
    const bit = Math.floor(random() * 8);
    const bytes = good.slice();
    bytes[at] = bytes[at]! ^ (1 << bit);
    out.push({ name: `bit ${bit} of byte ${at} flipped`, bytes });
  }
  const text = new TextEncoder();
  out.push({ name: 'a PNG signature', bytes: Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]) });
  out.push({ name: 'JSON text', bytes: text.encode('{"params": {}, "states": {}}') });
  out.push({ name: 'zeros of the same length', bytes: new Uint8Array(good.length) });
  out.push({ name: 'random bytes of the same length', bytes: Uint8Array.from({ length: good.length }, () => Math.floor(random() * 256)) });
  out.push({ name: 'empty', bytes: new Uint8Array(0) });
  return out;
}

/**
 * Loads every corruption of `good` with `load` and returns the ones that were
 * accepted, or rejected with a message that does not say what is wrong. An
 * empty result means every damaged copy was refused clearly.
 */
export async function acceptedCorruptions(
  good: Uint8Array,
  load: (bytes: Uint8Array) => unknown,
  clear: RegExp = /corrupt|truncated|checksum|not an? |signature|version|over-long|invalid|expected|missing|unsupported/i,
  seed = 1,
): Promise<string[]> {
  const bad: string[] = [];
  for (const c of corruptions(good, seed)) {
    try {
      await load(c.bytes);
      bad.push(`${c.name}: accepted`);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (!clear.test(message)) bad.push(`${c.name}: unclear error "${message}"`);
    }
  }
  return bad;
}
