/**
 * What the builder knows statically about a value: its element type, its
 * shape (rank and, per axis, a number, a symbolic name or unknown) and, for
 * small constants (shapes, axes, exponents), its values.
 */

/** One axis: a size, a symbolic name (`dim_param`), or `null` when unknown. */
export type Dim = number | string | null;

export interface ValueType {
  /** `TensorProto.DataType` of the elements, 0 when unknown. */
  elemType: number;
  /** The shape; `null` when even the rank is unknown. */
  dims: Dim[] | null;
}

/** A constant's values (row major) and shape. */
export interface ConstValue {
  dims: number[];
  data: number[];
}

/** Largest constant whose values are tracked (shape vectors, axes, scalars). */
export const MAX_TRACKED_CONSTANT = 64;

/** True when two axes are certainly equal (same size, or same symbol). */
export function sameDim(a: Dim, b: Dim): boolean {
  return a !== null && a === b;
}

/** The product of the dims when all are known numbers. */
export function staticSize(dims: readonly Dim[] | null): number | null {
  if (dims === null) return null;
  let n = 1;
  for (const d of dims) {
    if (typeof d !== 'number') return null;
    n *= d;
  }
  return n;
}

/** The dims when every one is a known number. */
export function staticDims(dims: readonly Dim[] | null): number[] | null {
  if (dims === null) return null;
  return dims.every((d) => typeof d === 'number') ? (dims as number[]) : null;
}

/** Multidirectional (numpy) broadcasting of several shapes; null when a rank is unknown. */
export function broadcastDims(shapes: readonly (readonly Dim[] | null)[]): Dim[] | null {
  if (shapes.some((s) => s === null)) return null;
  const rank = Math.max(0, ...shapes.map((s) => s!.length));
  const out: Dim[] = [];
  for (let i = 0; i < rank; i++) {
    // A known size above 1 decides the axis; otherwise the one symbolic
    // name all inputs share, else unknown.
    let known: number | undefined;
    const symbols = new Set<Dim>();
    for (const s of shapes) {
      const k = i - (rank - s!.length);
      if (k < 0) continue;
      const d = s![k]!;
      if (d === 1) continue;
      if (typeof d === 'number') known = d;
      else symbols.add(d);
    }
    if (known !== undefined) out.push(known);
    else if (symbols.size === 0) out.push(1);
    else if (symbols.size === 1 && !symbols.has(null)) out.push([...symbols][0]!);
    else out.push(null);
  }
  return out;
}

/** Normalises a possibly negative axis for a rank. */
export function normalizeAxis(axis: number, rank: number, what: string): number {
  const a = axis < 0 ? axis + rank : axis;
  if (!Number.isInteger(a) || a < 0 || a >= rank) throw new RangeError(`${what}: axis ${axis} is out of range for rank ${rank}`);
  return a;
}
