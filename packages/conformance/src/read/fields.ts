/**
 * Small readers of untrusted JSON that name the field they reject
 * (`trajectory.steps[2].x.shape`). No Node-only imports: the fixture readers
 * built on them also run in a browser.
 */

/** A fixture that does not have the shape its format describes. */
export class FixtureFormatError extends Error {
  constructor(
    /** The path of the offending field, e.g. `trajectory.optimizer.lr`. */
    readonly field: string,
    problem: string,
  ) {
    super(`${field}: ${problem}`);
    this.name = 'FixtureFormatError';
  }
}

export type Json = Record<string, unknown>;

function describe(value: unknown): string {
  if (value === undefined) return 'missing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return `${typeof value} ${JSON.stringify(value)?.slice(0, 40)}`;
}

export function fail(field: string, problem: string): never {
  throw new FixtureFormatError(field, problem);
}

export function object(value: unknown, field: string): Json {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) fail(field, `expected an object, got ${describe(value)}`);
  return value as Json;
}

export function string(value: unknown, field: string): string {
  if (typeof value !== 'string') fail(field, `expected a string, got ${describe(value)}`);
  return value;
}

/** A number; the generators write non-finite values as strings that the loader revives. */
export function number(value: unknown, field: string): number {
  if (typeof value !== 'number') fail(field, `expected a number, got ${describe(value)}`);
  return value;
}

export function boolean(value: unknown, field: string): boolean {
  if (typeof value !== 'boolean') fail(field, `expected true or false, got ${describe(value)}`);
  return value;
}

export function array(value: unknown, field: string): unknown[] {
  if (!Array.isArray(value)) fail(field, `expected an array, got ${describe(value)}`);
  return value;
}

export function numbers(value: unknown, field: string): number[] {
  const list = array(value, field);
  list.forEach((v, i) => number(v, `${field}[${i}]`));
  return list as number[];
}

export function strings(value: unknown, field: string): string[] {
  const list = array(value, field);
  list.forEach((v, i) => string(v, `${field}[${i}]`));
  return list as string[];
}

/** Non-negative integer sizes. */
export function shape(value: unknown, field: string): number[] {
  const dims = numbers(value, field);
  dims.forEach((d, i) => {
    if (!Number.isInteger(d) || d < 0) fail(`${field}[${i}]`, `expected a size (a non-negative integer), got ${d}`);
  });
  return dims;
}

export function elementCount(dims: readonly number[]): number {
  return dims.reduce((a, b) => a * b, 1);
}

/** `data` has as many values as `shape` says. */
export function checkSize(data: readonly unknown[], dims: readonly number[], field: string): void {
  const size = elementCount(dims);
  if (data.length !== size) fail(`${field}.data`, `${data.length} values for shape [${dims.join(', ')}] (${size} expected)`);
}

/** Each entry of an object through `read`, keyed as in the object. */
export function record<T>(value: unknown, field: string, read: (v: unknown, field: string) => T): Record<string, T> {
  const o = object(value, field);
  const out: Record<string, T> = {};
  for (const [k, v] of Object.entries(o)) out[k] = read(v, `${field}.${k}`);
  return out;
}

/** Rejects keys a reader does not know (so a misspelt optional field is not silently defaulted). */
export function knownKeys(o: Json, field: string, known: readonly string[]): void {
  for (const k of Object.keys(o)) {
    if (!known.includes(k)) fail(field === '' ? k : `${field}.${k}`, `unknown field (known: ${known.join(', ')})`);
  }
}
