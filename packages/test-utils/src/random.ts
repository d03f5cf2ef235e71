/**
 * A seeded linear congruential generator (Numerical Recipes' constants):
 * uniform numbers in [0, 1), the same sequence on every engine.
 */
export function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** mulberry32: a seeded generator of uniform numbers in [0, 1) with better low bits than {@link lcg}. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `n` seeded values uniform in [-scale, scale), in an array of type `Ctor` (Float64Array by default). */
export function seededValues<T extends Float32Array | Float64Array = Float64Array>(
  n: number,
  seed: number,
  scale = 1,
  Ctor: new (n: number) => T = Float64Array as unknown as new (n: number) => T,
): T {
  const next = lcg(seed);
  const out = new Ctor(n);
  for (let i = 0; i < n; i++) out[i] = (next() - 0.5) * 2 * scale;
  return out;
}

/** xorshift32: a seeded generator of 32-bit unsigned integers, for tests that draw float32 bit patterns. */
export function xorshift32(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s;
  };
}
