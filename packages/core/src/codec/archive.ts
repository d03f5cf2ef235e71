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
  /** The arrays, by name (decoded into a record without a prototype; `__proto__` is not a valid name). */
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

/**
 * The one key that must never be stored: assigning to `__proto__` on an
 * ordinary object (`Object.assign`, `target[name] = …`) replaces its
 * prototype, so a file holding it would hand whoever merges what it read a
 * way to change prototypes.
 */
const PROTO = '__proto__';

/** JSON text of `value`, refusing a `__proto__` key at any depth. */
function stringifyHeader(value: unknown): string {
  return JSON.stringify(value, (key, v: unknown) => {
    if (key === PROTO) throw new TypeError("the metadata holds a key '__proto__', which would replace a prototype when read back; rename it");
    return v;
  });
}

/** Encodes an {@link ArrayArchive}: versioned, CRC-32 checksummed, exact for every float. */
export function packArrays(archive: ArrayArchive): Uint8Array {
  if (archive === null || typeof archive !== 'object') throw new TypeError('archive must be an object with kind, meta and arrays');
  if (typeof archive.kind !== 'string') throw new TypeError(`archive.kind must be a string, got ${typeof archive.kind}`);
  if (archive.arrays === null || typeof archive.arrays !== 'object') throw new TypeError('archive.arrays must be a record of float arrays');
  const entries: Entry[] = [];
  const arrays: FloatArray[] = [];
  let dataLength = 0;
  for (const [name, a] of Object.entries(archive.arrays)) {
    if (name === PROTO) throw new TypeError("array name '__proto__' is reserved: it would replace a prototype when read back");
    if (!(a instanceof Float32Array) && !(a instanceof Float64Array)) {
      throw new TypeError(`array '${name}' must be a Float32Array or a Float64Array`);
    }
    entries.push({ name, dtype: a instanceof Float32Array ? 'float32' : 'float64', length: a.length, offset: dataLength });
    arrays.push(a);
    dataLength = align8(dataLength + a.byteLength);
  }
  const header = new TextEncoder().encode(stringifyHeader({ kind: archive.kind, meta: archive.meta ?? null, arrays: entries }));
  const dataStart = align8(PREFIX + header.length);
  const out = new Uint8Array(dataStart + dataLength + 4);
  out.set(MAGIC, 0);
  const view = new DataView(out.buffer);
  view.setUint32(8, VERSION, true);
  view.setUint32(12, header.length, true);
  out.set(header, PREFIX);
  entries.forEach((e, i) => out.set(bytesOf(arrays[i]!), dataStart + e.offset));
  view.setUint32(out.length - 4, crc32(out.subarray(0, out.length - 4)), true);
  return out;
}

/** A value from a header, for messages: strings quoted, everything else as JSON would show it. */
const shown = (value: unknown): string => (typeof value === 'string' ? JSON.stringify(value) : String(value));

const corrupt = (message: string): Error => new Error(`corrupt adamw archive: ${message}`);

/** The header's JSON, refusing a `__proto__` key at any depth. */
function parseHeader(bytes: Uint8Array): unknown {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw corrupt('the header is not valid UTF-8 (checksum not reached)');
  }
  let proto = false;
  let header: unknown;
  try {
    header = JSON.parse(text, (key, value: unknown) => {
      if (key === PROTO) proto = true;
      return value;
    });
  } catch {
    throw corrupt('the header is not valid JSON (checksum not reached)');
  }
  if (proto) throw corrupt("the header holds a key '__proto__', which would replace a prototype when read");
  return header;
}

/**
 * Checks the header's array table against the layout `packArrays` writes:
 * names unique (and not `__proto__`), dtypes known, lengths whole numbers,
 * each array right after the previous one on the 8-byte grid and inside the
 * `dataLength` bytes that follow the header. Returns the entries and the
 * length of the data they describe.
 */
function checkTable(table: unknown, dataLength: number): { entries: Entry[]; length: number } {
  if (!Array.isArray(table)) throw corrupt("the header's array table is not a list");
  const entries: Entry[] = [];
  const names = new Set<string>();
  let next = 0;
  table.forEach((e: unknown, i) => {
    if (e === null || typeof e !== 'object' || Array.isArray(e)) throw corrupt(`array ${i} is not described by an object`);
    const { name, dtype, length, offset } = e as Record<string, unknown>;
    if (typeof name !== 'string') throw corrupt(`array ${i} has no name`);
    if (name === PROTO) throw corrupt("array name '__proto__' is reserved: it would replace a prototype when read");
    if (names.has(name)) throw corrupt(`array '${name}' appears twice`);
    names.add(name);
    if (dtype !== 'float32' && dtype !== 'float64')
      throw corrupt(`array '${name}' has dtype ${typeof dtype === 'string' ? `'${dtype}'` : shown(dtype)}; expected 'float32' or 'float64'`);
    if (typeof length !== 'number' || !Number.isSafeInteger(length) || length < 0) {
      throw corrupt(`array '${name}' has length ${shown(length)}; expected a non-negative integer`);
    }
    if (offset !== next) throw corrupt(`array '${name}' starts at offset ${shown(offset)}; expected ${next}`);
    const bytes = length * (dtype === 'float32' ? 4 : 8);
    if (next + bytes > dataLength) {
      throw new Error(
        `truncated or corrupt adamw archive: array '${name}' (${dtype} × ${length} = ${bytes} bytes at offset ${next}) does not fit in the ${Math.max(0, dataLength)} bytes of data`,
      );
    }
    entries.push({ name, dtype, length, offset: next });
    next = align8(next + bytes);
  });
  return { entries, length: next };
}

/**
 * Decodes bytes written by {@link packArrays}. Truncated, corrupted or foreign
 * bytes get an Error that says which; `expectedKind` rejects an archive of
 * another kind. Every length, offset and type in the header is checked
 * against the bytes, and the checksum verified, before any array is
 * allocated; the arrays come back in a record without a prototype.
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
  const header = parseHeader(bytes.subarray(PREFIX, PREFIX + headerLength));
  if (header === null || typeof header !== 'object' || Array.isArray(header)) throw corrupt('the header is not an object');
  const { kind, meta, arrays: table } = header as { kind?: unknown; meta?: Json; arrays?: unknown };
  if (typeof kind !== 'string') throw corrupt('the header has no kind');
  const dataStart = align8(PREFIX + headerLength);
  const { entries, length } = checkTable(table, bytes.length - 4 - dataStart);
  const expectedLength = dataStart + length + 4;
  if (bytes.length !== expectedLength) {
    throw new Error(`${bytes.length < expectedLength ? 'truncated' : 'over-long'} adamw archive: expected ${expectedLength} bytes, got ${bytes.length}`);
  }
  const stored = view.getUint32(bytes.length - 4, true);
  const actual = crc32(bytes.subarray(0, bytes.length - 4));
  if (stored !== actual) {
    throw new Error(`corrupt adamw archive: checksum mismatch (stored ${stored.toString(16)}, computed ${actual.toString(16)})`);
  }
  if (expectedKind !== undefined && kind !== expectedKind) {
    throw new Error(`this adamw archive holds '${kind}', not '${expectedKind}'`);
  }
  const arrays = Object.create(null) as Record<string, FloatArray>;
  for (const e of entries) {
    const Ctor = e.dtype === 'float32' ? Float32Array : Float64Array;
    const a = new Ctor(e.length);
    const raw = bytes.slice(dataStart + e.offset, dataStart + e.offset + a.byteLength);
    new Uint8Array(a.buffer).set(littleEndian ? raw : bytesOf(new Ctor(raw.buffer)));
    arrays[e.name] = a;
  }
  return { kind, meta: meta ?? null, arrays };
}
