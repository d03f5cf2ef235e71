import type { FloatArray } from '../types.js';
import { crc32 } from './crc32.js';

/** A JSON value, as stored in an archive's header. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Named float arrays with a kind and JSON metadata: what every checkpoint of this project stores. */
export interface ArrayArchive {
  /** What the archive holds, checked on reading (for example `'adamw-state'`). */
  kind: string;
  /** Free-form JSON metadata. */
  meta: Json;
  /** The arrays, by name. */
  arrays: Record<string, FloatArray>;
}

// Layout, little-endian:
//   bytes 0..7    magic "ADAMWJS" + NUL
//   bytes 8..11   format version (uint32)
//   bytes 12..15  header length H (uint32)
//   bytes 16..    header: UTF-8 JSON {kind, meta, arrays: [{name, dtype, length, offset}]}
//   then          array data, each array at an 8-byte aligned offset from the data start
//   last 4 bytes  CRC-32 of everything before it
const MAGIC = [0x41, 0x44, 0x41, 0x4d, 0x57, 0x4a, 0x53, 0x00];
const VERSION = 1;
const PREFIX = 16;

interface Entry {
  name: string;
  dtype: 'float32' | 'float64';
  length: number;
  offset: number;
}

const align8 = (n: number): number => (n + 7) & ~7;
const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function bytesOf(a: FloatArray): Uint8Array {
  const bytes = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  if (littleEndian) return bytes;
  const swapped = new Uint8Array(bytes.length);
  const w = a.BYTES_PER_ELEMENT;
  for (let i = 0; i < bytes.length; i += w) for (let k = 0; k < w; k++) swapped[i + k] = bytes[i + w - 1 - k]!;
  return swapped;
}

/** Encodes an {@link ArrayArchive}: versioned, CRC-32 checksummed, exact for every float. */
export function packArrays(archive: ArrayArchive): Uint8Array {
  const entries: Entry[] = [];
  let dataLength = 0;
  for (const [name, a] of Object.entries(archive.arrays)) {
    if (!(a instanceof Float32Array) && !(a instanceof Float64Array)) {
      throw new TypeError(`array '${name}' must be a Float32Array or a Float64Array`);
    }
    entries.push({ name, dtype: a instanceof Float32Array ? 'float32' : 'float64', length: a.length, offset: dataLength });
    dataLength = align8(dataLength + a.byteLength);
  }
  const header = new TextEncoder().encode(JSON.stringify({ kind: archive.kind, meta: archive.meta, arrays: entries }));
  const dataStart = align8(PREFIX + header.length);
  const out = new Uint8Array(dataStart + dataLength + 4);
  out.set(MAGIC, 0);
  const view = new DataView(out.buffer);
  view.setUint32(8, VERSION, true);
  view.setUint32(12, header.length, true);
  out.set(header, PREFIX);
  const arrays = Object.values(archive.arrays);
  entries.forEach((e, i) => out.set(bytesOf(arrays[i]!), dataStart + e.offset));
  view.setUint32(out.length - 4, crc32(out.subarray(0, out.length - 4)), true);
  return out;
}

/**
 * Decodes bytes written by {@link packArrays}. Truncated, corrupted or foreign
 * bytes get an Error that says which; `expectedKind` rejects an archive of
 * another kind.
 */
export function unpackArrays(bytes: Uint8Array, expectedKind?: string): ArrayArchive {
  if (!(bytes instanceof Uint8Array)) throw new TypeError('bytes must be a Uint8Array');
  if (bytes.length < PREFIX + 4 || MAGIC.some((b, i) => bytes[i] !== b)) {
    throw new Error('not an adamw archive: the bytes do not start with the ADAMWJS signature');
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint32(8, true);
  if (version !== VERSION) throw new Error(`unsupported adamw archive version ${version} (this library reads version ${VERSION})`);
  const headerLength = view.getUint32(12, true);
  if (PREFIX + headerLength + 4 > bytes.length) {
    throw new Error(`truncated adamw archive: the header alone needs ${PREFIX + headerLength + 4} bytes, got ${bytes.length}`);
  }
  let header: { kind: string; meta: Json; arrays: Entry[] };
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(PREFIX, PREFIX + headerLength)));
  } catch {
    throw new Error('corrupt adamw archive: the header is not valid JSON (checksum not reached)');
  }
  const dataStart = align8(PREFIX + headerLength);
  const last = header.arrays?.[header.arrays.length - 1];
  const expectedLength = dataStart + (last ? align8(last.offset + last.length * (last.dtype === 'float32' ? 4 : 8)) : 0) + 4;
  if (bytes.length !== expectedLength) {
    throw new Error(`${bytes.length < expectedLength ? 'truncated' : 'over-long'} adamw archive: expected ${expectedLength} bytes, got ${bytes.length}`);
  }
  const stored = view.getUint32(bytes.length - 4, true);
  const actual = crc32(bytes.subarray(0, bytes.length - 4));
  if (stored !== actual) {
    throw new Error(`corrupt adamw archive: checksum mismatch (stored ${stored.toString(16)}, computed ${actual.toString(16)})`);
  }
  if (expectedKind !== undefined && header.kind !== expectedKind) {
    throw new Error(`this adamw archive holds '${header.kind}', not '${expectedKind}'`);
  }
  const arrays: Record<string, FloatArray> = {};
  for (const e of header.arrays) {
    const Ctor = e.dtype === 'float32' ? Float32Array : Float64Array;
    const a = new Ctor(e.length);
    const raw = bytes.slice(dataStart + e.offset, dataStart + e.offset + a.byteLength);
    new Uint8Array(a.buffer).set(littleEndian ? raw : bytesOf(new Ctor(raw.buffer)));
    arrays[e.name] = a;
  }
  return { kind: header.kind, meta: header.meta, arrays };
}
