import type { OrtModule } from '@adamw/onnxruntime';
import type { StoredFeed, StoredFeeds } from '../read/onnx-training';

/** A tensor of whichever ONNX Runtime module the runner was given. */
export type OrtTensor = InstanceType<OrtModule['Tensor']>;

/** Bytes of base64 text (with `atob`, which Node and browsers have). */
export function base64Bytes(text: string): Uint8Array {
  const binary = atob(text);
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}

/** A stored feed as an ONNX Runtime tensor of its element type. */
export function feedTensor(ort: OrtModule, feed: StoredFeed): OrtTensor {
  const values = feed.data as ArrayLike<number | boolean>;
  switch (feed.dtype) {
    case 'float32':
      return new ort.Tensor('float32', Float32Array.from(values as ArrayLike<number>), feed.shape);
    case 'float64':
      return new ort.Tensor('float64', Float64Array.from(values as ArrayLike<number>), feed.shape);
    case 'int64':
      return new ort.Tensor(
        'int64',
        BigInt64Array.from(values as ArrayLike<number>, (v) => BigInt(v)),
        feed.shape,
      );
    case 'bool':
      return new ort.Tensor(
        'bool',
        Uint8Array.from(values, (v) => (v ? 1 : 0)),
        feed.shape,
      );
  }
}

/** Every feed of one run as tensors, by input name. */
export function feedTensors(ort: OrtModule, feeds: StoredFeeds): Record<string, OrtTensor> {
  const out: Record<string, OrtTensor> = {};
  for (const [name, feed] of Object.entries(feeds)) out[name] = feedTensor(ort, feed);
  return out;
}

/** Copies of named arrays (the trainer's own arrays keep changing). */
export function copies<T extends Float32Array | Float64Array>(arrays: Readonly<Record<string, T>>): Record<string, T> {
  const out: Record<string, T> = {};
  for (const [name, a] of Object.entries(arrays)) out[name] = a.slice() as T;
  return out;
}

/** Bit-for-bit equality (NaN equals NaN, 0 differs from −0). */
export function identical(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false;
  return true;
}
