import { AttributeType, type AttributeProto, type GraphProto, type NodeProto, type TensorProto } from './types.js';

const utf8 = new TextDecoder();
const utf8Encoder = new TextEncoder();

/** A node's label for messages: its name when it has one, else its type and first output. */
export function nodeLabel(node: NodeProto): string {
  const name = node.name ? `'${node.name}'` : `producing '${node.output?.[0] ?? '?'}'`;
  return `${node.opType ?? '?'} node ${name}`;
}

/** The attribute `name` of `node`, if present. */
export function findAttribute(node: NodeProto, name: string): AttributeProto | undefined {
  return node.attribute?.find((a) => a.name === name);
}

/** An integer attribute, or `fallback` when absent. */
export function intAttr(node: NodeProto, name: string, fallback: number): number;
export function intAttr(node: NodeProto, name: string): number | undefined;
export function intAttr(node: NodeProto, name: string, fallback?: number): number | undefined {
  const a = findAttribute(node, name);
  return a?.i !== undefined ? Number(a.i) : a !== undefined && a.type === AttributeType.INT ? 0 : fallback;
}

/** A float attribute, or `fallback` when absent. */
export function floatAttr(node: NodeProto, name: string, fallback: number): number {
  const a = findAttribute(node, name);
  if (a === undefined) return fallback;
  return a.f ?? 0;
}

/** A list-of-integers attribute, or undefined when absent. */
export function intsAttr(node: NodeProto, name: string): number[] | undefined {
  const a = findAttribute(node, name);
  if (a === undefined) return undefined;
  return (a.ints ?? []).map(Number);
}

/** A string attribute, or `fallback` when absent. */
export function stringAttr(node: NodeProto, name: string, fallback: string): string {
  const a = findAttribute(node, name);
  if (a?.s === undefined) return fallback;
  return utf8.decode(a.s);
}

/** A tensor attribute, if present. */
export function tensorAttr(node: NodeProto, name: string): TensorProto | undefined {
  return findAttribute(node, name)?.t;
}

/** Attribute values accepted by the node builders. */
export type AttributeValue = number | readonly number[] | string | TensorProto | { float: number } | { floats: readonly number[] } | { graph: GraphProto };

/**
 * Builds an AttributeProto. Whole numbers become INT and arrays INTS; use
 * `{ float: x }` / `{ floats: [...] }` for float attributes and
 * `{ graph }` for a subgraph.
 */
export function makeAttribute(name: string, value: AttributeValue): AttributeProto {
  if (typeof value === 'number') {
    if (!Number.isInteger(value)) throw new TypeError(`attribute ${name}: ${value} is not an integer; use { float: ${value} }`);
    return { name, type: AttributeType.INT, i: value };
  }
  if (typeof value === 'string') return { name, type: AttributeType.STRING, s: utf8Encoder.encode(value) };
  if (Array.isArray(value)) return { name, type: AttributeType.INTS, ints: [...(value as readonly number[])] };
  if ('float' in value && typeof value.float === 'number') return { name, type: AttributeType.FLOAT, f: value.float };
  if ('floats' in value && Array.isArray(value.floats)) return { name, type: AttributeType.FLOATS, floats: [...value.floats] };
  if ('graph' in value) return { name, type: AttributeType.GRAPH, g: (value as { graph: GraphProto }).graph };
  return { name, type: AttributeType.TENSOR, t: value as TensorProto };
}
