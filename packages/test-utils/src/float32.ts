const bits = new Uint32Array(1);
const asFloat = new Float32Array(bits.buffer);

/** The 32 bits of the float32 nearest to x, as an unsigned integer. */
export function f32Bits(x: number): number {
  asFloat[0] = x;
  return bits[0]!;
}

/** The float32 whose bits are b. */
export function f32FromBits(b: number): number {
  bits[0] = b;
  return asFloat[0]!;
}

/**
 * Index and values of the first element where two arrays differ in their
 * bits (every NaN counts equal to every NaN, +0 and −0 differ), or undefined
 * when they agree.
 */
export function firstDifference(a: ArrayLike<number>, b: ArrayLike<number>): string | undefined {
  if (a.length !== b.length) return `lengths ${a.length} and ${b.length}`;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return `index ${i}: ${a[i]} vs ${b[i]}`;
  return undefined;
}
