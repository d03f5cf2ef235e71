/**
 * A small seeded pseudo-random generator, xoshiro128** (Blackman & Vigna):
 * 128 bits of state in four uint32 words, period 2^128 − 1, 32-bit integer
 * arithmetic only. Its whole state is four numbers, so a checkpoint can store
 * it and resume the same sequence.
 */
export class Prng {
  private s0 = 0;
  private s1 = 0;
  private s2 = 0;
  private s3 = 0;

  /** A generator seeded from any finite number (integers are the usual choice). */
  constructor(seed: number = 0) {
    if (typeof seed !== 'number' || !Number.isFinite(seed)) throw new RangeError(`seed must be a finite number, got ${String(seed)}`);
    // SplitMix32-style mixing spreads nearby seeds over unrelated states.
    let x = (Math.trunc(seed) ^ Math.trunc(seed / 2 ** 32)) >>> 0;
    const next = (): number => {
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next();
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1; // the all-zero state is a fixed point
  }

  /** A generator that continues from a state returned by {@link Prng.state}. */
  static fromState(state: readonly number[]): Prng {
    if (!Array.isArray(state) || state.length !== 4 || state.some((w) => !Number.isInteger(w) || w < 0 || w > 0xffffffff)) {
      throw new RangeError(`a PRNG state must be four uint32 numbers, got ${JSON.stringify(state)}`);
    }
    if (state.every((w) => w === 0)) throw new RangeError('a PRNG state must not be all zeros');
    const p = new Prng(0);
    [p.s0, p.s1, p.s2, p.s3] = state as [number, number, number, number];
    return p;
  }

  /** The current state: four uint32 numbers. */
  state(): [number, number, number, number] {
    return [this.s0, this.s1, this.s2, this.s3];
  }

  /** The next uniformly distributed uint32. */
  nextUint32(): number {
    const s1 = this.s1;
    const result = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
    const t = s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    this.s0 >>>= 0;
    this.s1 >>>= 0;
    this.s2 >>>= 0;
    this.s3 >>>= 0;
    return result;
  }

  /** A uniform number in [0, 1) with 53 random bits. */
  nextFloat(): number {
    const hi = this.nextUint32() >>> 5; // 27 bits
    const lo = this.nextUint32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** A uniform integer in [0, n), without modulo bias; n must be in [1, 2^32]. */
  nextBelow(n: number): number {
    if (!Number.isInteger(n) || n < 1 || n > 2 ** 32) throw new RangeError(`n must be an integer in [1, 2^32], got ${n}`);
    // Reject the top partial range so that every residue is equally likely.
    const limit = 2 ** 32 - (2 ** 32 % n);
    let x = this.nextUint32();
    while (x >= limit) x = this.nextUint32();
    return x % n;
  }

  /** Shuffles `values` in place (Fisher–Yates) and returns it. */
  shuffle<A extends { [i: number]: number; length: number }>(values: A): A {
    for (let i = values.length - 1; i > 0; i--) {
      const j = this.nextBelow(i + 1);
      const t = values[i]!;
      values[i] = values[j]!;
      values[j] = t;
    }
    return values;
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
