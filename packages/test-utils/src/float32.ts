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
