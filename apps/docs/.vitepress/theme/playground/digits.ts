// The digits the playground trains on: a seeded subset of MNIST, downsampled
// to 14 × 14 and shipped with the site as one small binary file
// (docs/public/playground/digits-14x14.bin, written by
// `pnpm --filter @adamw/docs run playground-digits`).
//
// Layout: "ADWD" (4 bytes), count N (uint32, little-endian), side S
// (uint32), N labels (uint8), then N·S·S intensities (uint8, 0–255).

/** The file's first four bytes. */
export const DIGITS_MAGIC = 'ADWD';

/** Digits as the trainer takes them: intensities in [0, 1], row-major, and labels. */
export interface Digits {
  count: number;
  side: number;
  x: Float32Array;
  y: Uint8Array;
}

/** Encodes digits (intensities in [0, 255]) in the file's layout. */
export function encodeDigits(side: number, labels: Uint8Array, pixels: Uint8Array): Uint8Array {
  const count = labels.length;
  if (pixels.length !== count * side * side)
    throw new RangeError(`expected ${count * side * side} pixels for ${count} digits of ${side}×${side}, got ${pixels.length}`);
  const out = new Uint8Array(12 + count + pixels.length);
  out.set(new TextEncoder().encode(DIGITS_MAGIC), 0);
  const view = new DataView(out.buffer);
  view.setUint32(4, count, true);
  view.setUint32(8, side, true);
  out.set(labels, 12);
  out.set(pixels, 12 + count);
  return out;
}

/** Decodes the file, checking every length against the bytes before allocating. */
export function decodeDigits(bytes: Uint8Array): Digits {
  if (bytes.length < 12 || new TextDecoder().decode(bytes.subarray(0, 4)) !== DIGITS_MAGIC) throw new Error('not a playground digits file (no ADWD header)');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const count = view.getUint32(4, true);
  const side = view.getUint32(8, true);
  if (side === 0 || side > 64 || count === 0 || bytes.length !== 12 + count + count * side * side) {
    throw new Error(
      `corrupt playground digits file: ${count} digits of ${side}×${side} need ${12 + count * (1 + side * side)} bytes, the file has ${bytes.length}`,
    );
  }
  const y = bytes.slice(12, 12 + count);
  if (y.some((label) => label > 9)) throw new Error('corrupt playground digits file: a label is not a digit');
  const pixels = bytes.subarray(12 + count);
  const x = new Float32Array(pixels.length);
  for (let i = 0; i < pixels.length; i++) x[i] = pixels[i]! / 255;
  return { count, side, x, y };
}

/** The first `train` digits for training and the next `test` for testing. */
export function splitDigits(
  d: Digits,
  train: number,
  test: number,
): { train: { x: Float32Array; y: Uint8Array; rows: number }; test: { x: Float32Array; y: Uint8Array; rows: number } } {
  if (train + test > d.count) throw new RangeError(`${train} training and ${test} test digits are more than the ${d.count} in the file`);
  const px = d.side * d.side;
  return {
    train: { x: d.x.subarray(0, train * px), y: d.y.subarray(0, train), rows: train },
    test: { x: d.x.subarray(train * px, (train + test) * px), y: d.y.subarray(train, train + test), rows: test },
  };
}
