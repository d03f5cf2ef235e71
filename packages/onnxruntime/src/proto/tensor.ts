import { DATA_LOCATION_EXTERNAL, DataType, type TensorProto } from './types.js';

/** The element types a trainable parameter may have: `DataType.FLOAT` (1) or `DataType.DOUBLE` (11). */
export type FloatDataType = 1 | 11;

/** Names of the element types, for messages. */
export function dataTypeName(t: number | undefined): string {
  for (const [name, value] of Object.entries(DataType)) if (value === t) return name;
  return `type ${t}`;
}

/** The element count of a shape (1 for a scalar). */
export function sizeOf(dims: readonly number[]): number {
  let n = 1;
  for (const d of dims) n *= d;
  return n;
}

/** The dims of a tensor as plain numbers. */
export function tensorDims(t: TensorProto): number[] {
  return (t.dims ?? []).map(Number);
}

function checkInline(t: TensorProto): void {
  if (t.dataLocation === DATA_LOCATION_EXTERNAL || (t.externalData?.length ?? 0) > 0) {
    throw new Error(`tensor '${t.name ?? ''}' keeps its data in an external file, which this package does not read; save the model with its data inside`);
  }
}

/** A copy of raw little-endian bytes, aligned so a typed array can view it. */
function alignedCopy(raw: Uint8Array): ArrayBuffer {
  const out = new ArrayBuffer(raw.byteLength);
  new Uint8Array(out).set(raw);
  return out;
}

/** A float tensor's values as a new Float32Array or Float64Array (by its type). */
export function readFloatTensor(t: TensorProto): Float32Array | Float64Array {
  checkInline(t);
  const n = sizeOf(tensorDims(t));
  let out: Float32Array | Float64Array;
  if (t.dataType === DataType.FLOAT) {
    out = t.rawData !== undefined && t.rawData.byteLength > 0 ? new Float32Array(alignedCopy(t.rawData)) : Float32Array.from(t.floatData ?? []);
  } else if (t.dataType === DataType.DOUBLE) {
    out = t.rawData !== undefined && t.rawData.byteLength > 0 ? new Float64Array(alignedCopy(t.rawData)) : Float64Array.from(t.doubleData ?? []);
  } else {
    throw new TypeError(`tensor '${t.name ?? ''}' is ${dataTypeName(t.dataType)}, not FLOAT or DOUBLE`);
  }
  if (out.length !== n) {
    throw new Error(`tensor '${t.name ?? ''}' of shape [${tensorDims(t).join(', ')}] holds ${out.length} values, expected ${n}`);
  }
  return out;
}

/**
 * An integer or float tensor's values as plain numbers (int64 values beyond
 * 2^53 lose precision, which is harmless for the shape and axis constants
 * this is used on). Returns undefined for types it does not read.
 */
export function readNumbers(t: TensorProto): number[] | undefined {
  checkInline(t);
  const raw = t.rawData !== undefined && t.rawData.byteLength > 0 ? t.rawData : undefined;
  switch (t.dataType) {
    case DataType.FLOAT:
    case DataType.DOUBLE:
      return Array.from(readFloatTensor(t));
    case DataType.INT64:
      if (raw) return Array.from(new BigInt64Array(alignedCopy(raw)), Number);
      return (t.int64Data ?? []).map(Number);
    case DataType.INT32:
      if (raw) return Array.from(new Int32Array(alignedCopy(raw)));
      return (t.int32Data ?? []).map(Number);
    case DataType.BOOL:
    case DataType.UINT8:
    case DataType.INT8:
      if (raw) return Array.from(t.dataType === DataType.INT8 ? new Int8Array(alignedCopy(raw)) : raw);
      return (t.int32Data ?? []).map(Number);
    default:
      return undefined;
  }
}

/** A tensor holding `values` (stored as little-endian raw bytes). */
export function makeTensor(name: string, dataType: number, dims: readonly number[], values: ArrayLike<number>): TensorProto {
  let raw: Uint8Array;
  switch (dataType) {
    case DataType.FLOAT:
      raw = new Uint8Array(Float32Array.from(values).buffer);
      break;
    case DataType.DOUBLE:
      raw = new Uint8Array(Float64Array.from(values).buffer);
      break;
    case DataType.INT64:
      raw = new Uint8Array(BigInt64Array.from(Array.from(values), (v) => BigInt(Math.trunc(v))).buffer);
      break;
    case DataType.INT32:
      raw = new Uint8Array(Int32Array.from(values).buffer);
      break;
    case DataType.BOOL:
      raw = Uint8Array.from(values, (v) => (v ? 1 : 0));
      break;
    default:
      throw new TypeError(`cannot write a tensor of ${dataTypeName(dataType)}`);
  }
  if (raw.byteLength === 0) {
    // An empty raw_data reads as "no raw data"; an empty tensor needs no bytes anyway.
    return { name, dataType, dims: [...dims] };
  }
  return { name, dataType, dims: [...dims], rawData: raw };
}

/** Replaces a float tensor's values (keeping its name, type and dims). */
export function writeFloatTensor(t: TensorProto, values: Float32Array | Float64Array): void {
  const n = sizeOf(tensorDims(t));
  if (values.length !== n) throw new RangeError(`tensor '${t.name ?? ''}' needs ${n} values, got ${values.length}`);
  const copy = t.dataType === DataType.DOUBLE ? Float64Array.from(values) : Float32Array.from(values);
  delete t.floatData;
  delete t.doubleData;
  t.rawData = new Uint8Array(copy.buffer);
}
