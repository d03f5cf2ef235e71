import * as tf from '@tensorflow/tfjs-core';

// tfjs saves integers as int32, which wraps at 2^31; torch's float32 counter
// is worse (exact only to 2^24). A count is therefore stored as two int32
// values, [n mod 2^31, ⌊n / 2^31⌋], exact up to 2^53.
const LOW = 2 ** 31;

/** A step count as an int32 tensor of two values; the caller owns it. */
export function countTensor(n: number): tf.Tensor {
  return tf.tensor1d([n % LOW, Math.floor(n / LOW)], 'int32');
}

/**
 * Reads a count written by {@link countTensor} (or a single int32, as
 * `tf.train.adam` writes its `iter`). Throws a RangeError naming `what` for
 * anything that is not a non-negative integer.
 */
export async function readCount(t: tf.Tensor, what: string): Promise<number> {
  const values = t.size === 1 || t.size === 2 ? Array.from(await t.data()) : [];
  const [low, high = 0] = values;
  const n = low !== undefined && low >= 0 && high >= 0 ? high * LOW + low : Number.NaN;
  if (!Number.isSafeInteger(n)) {
    throw new RangeError(`AdamW weight '${what}' must hold one non-negative integer count, got [${values.join(', ')}]`);
  }
  return n;
}
