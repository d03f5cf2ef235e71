// Typed arrays cross the page boundary as number arrays (Playwright's
// serialisation keeps numbers exactly, float32 values included); these
// convert the runners' results there and back.

/** A Float32Array or Float64Array as plain data. */
export interface PlainArray {
  float64: boolean;
  values: number[];
}

export type PlainArrays = Record<string, PlainArray>;

export function toPlain(arrays: Readonly<Record<string, Float32Array | Float64Array>>): PlainArrays {
  const out: PlainArrays = {};
  for (const [name, a] of Object.entries(arrays)) out[name] = { float64: a instanceof Float64Array, values: Array.from(a) };
  return out;
}

export function fromPlain(arrays: PlainArrays): Record<string, Float32Array | Float64Array> {
  const out: Record<string, Float32Array | Float64Array> = {};
  for (const [name, a] of Object.entries(arrays)) out[name] = a.float64 ? Float64Array.from(a.values) : Float32Array.from(a.values);
  return out;
}
