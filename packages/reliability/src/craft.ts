import { crc32 } from '@adamw/core';

const MAGIC = [0x41, 0x44, 0x41, 0x4d, 0x57, 0x4a, 0x53, 0x00];

/**
 * An archive in the layout `packArrays` writes (signature, version, header
 * length, header, data from the next 8-byte boundary, CRC-32) around any
 * header text and data bytes, with a valid checksum: what a deliberate forger
 * writes, as opposed to the accidental damage of `corruptions`.
 */
export function craftArchive(headerText: string, data: Uint8Array = new Uint8Array(0)): Uint8Array {
  const header = new TextEncoder().encode(headerText);
  const dataStart = Math.ceil((16 + header.length) / 8) * 8;
  const out = new Uint8Array(dataStart + data.length + 4);
  out.set(MAGIC, 0);
  const view = new DataView(out.buffer);
  view.setUint32(8, 1, true);
  view.setUint32(12, header.length, true);
  out.set(header, 16);
  out.set(data, dataStart);
  view.setUint32(out.length - 4, crc32(out.subarray(0, out.length - 4)), true);
  return out;
}

/** The header text of an archive (no checks: for tests that edit a real archive and craft it again). */
export function archiveHeader(bytes: Uint8Array): string {
  const length = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(12, true);
  return new TextDecoder().decode(bytes.subarray(16, 16 + length));
}

/** The data section of an archive: everything between the header's 8-byte boundary and the checksum. */
export function archiveData(bytes: Uint8Array): Uint8Array {
  const length = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(12, true);
  return bytes.slice(Math.ceil((16 + length) / 8) * 8, bytes.length - 4);
}

/**
 * JSON text of an object given as entries of key and JSON text, so that keys
 * such as `__proto__` (which an object literal would turn into a prototype)
 * and repeated keys appear in the text exactly as a forged file has them.
 */
export function jsonObject(entries: readonly (readonly [string, string])[]): string {
  return `{${entries.map(([key, value]) => `${JSON.stringify(key)}:${value}`).join(',')}}`;
}

/**
 * Every object a prototype-pollution attack could write to: the prototypes of
 * the built-ins a decoder touches and their constructors.
 */
export function pollutionTargets(): { name: string; target: object }[] {
  const typedArray = Object.getPrototypeOf(Float32Array) as object;
  const named: [string, object][] = [
    ['Object', Object],
    ['Function', Function],
    ['Array', Array],
    ['String', String],
    ['Number', Number],
    ['Boolean', Boolean],
    ['Symbol', Symbol],
    ['Error', Error],
    ['RegExp', RegExp],
    ['Map', Map],
    ['Set', Set],
    ['Promise', Promise],
    ['ArrayBuffer', ArrayBuffer],
    ['SharedArrayBuffer', SharedArrayBuffer],
    ['DataView', DataView],
    ['TypedArray', typedArray],
    ['Float32Array', Float32Array],
    ['Float64Array', Float64Array],
    ['Uint8Array', Uint8Array],
    ['TextDecoder', TextDecoder],
  ];
  const out: { name: string; target: object }[] = [];
  for (const [name, ctor] of named) {
    out.push({ name, target: ctor });
    const proto = (ctor as { prototype?: object }).prototype;
    if (proto !== undefined) out.push({ name: `${name}.prototype`, target: proto });
  }
  // The prototypes of an ordinary function and of the functions' own prototype property.
  out.push({ name: 'Object.prototype.toString', target: Object.prototype.toString });
  out.push({ name: 'Object.prototype.hasOwnProperty', target: Object.prototype.hasOwnProperty });
  return out;
}

/** Own keys and property descriptors of every pollution target, to compare before and after a load. */
export function prototypeSnapshot(): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const { name, target } of pollutionTargets()) {
    out[name] = Reflect.ownKeys(target).map((k) => {
      const d = Object.getOwnPropertyDescriptor(target, k)!;
      const kind = 'value' in d ? `value:${typeof d.value}` : 'accessor';
      return `${String(k)} (${kind}${d.enumerable ? ', enumerable' : ''}${d.writable ? ', writable' : ''})`;
    });
    out[name].push(`[[Prototype]] ${String((Object.getPrototypeOf(target) as { constructor?: { name?: string } } | null)?.constructor?.name)}`);
  }
  return out;
}

/** Removes what a pollution test added to the built-ins, so that a failing test does not break the tests after it. */
export function restorePrototypes(): void {
  for (const { target } of pollutionTargets()) {
    for (const key of Reflect.ownKeys(target)) {
      if (!pristine.get(target)!.has(key)) delete (target as Record<PropertyKey, unknown>)[key];
    }
  }
}

/** The own keys of every target when this module was loaded. */
const pristine = new Map<object, Set<PropertyKey>>(pollutionTargets().map(({ target }) => [target, new Set(Reflect.ownKeys(target))]));
