/**
 * Plain-object views of the ONNX protobuf messages this package reads and
 * writes. Field names are protobufjs's camelCase of `onnx.proto`'s names;
 * 64-bit integers are JavaScript numbers (exact up to 2^53, which covers
 * every dimension and attribute a model uses in practice). Fields the
 * package never touches are kept as they were decoded and written back
 * unchanged.
 */

/** `TensorProto.DataType`: the element types the package names. */
export const DataType = Object.freeze({
  UNDEFINED: 0,
  FLOAT: 1,
  UINT8: 2,
  INT8: 3,
  UINT16: 4,
  INT16: 5,
  INT32: 6,
  INT64: 7,
  STRING: 8,
  BOOL: 9,
  FLOAT16: 10,
  DOUBLE: 11,
  UINT32: 12,
  UINT64: 13,
  COMPLEX64: 14,
  COMPLEX128: 15,
  BFLOAT16: 16,
});

/** `AttributeProto.AttributeType`. */
export const AttributeType = Object.freeze({
  UNDEFINED: 0,
  FLOAT: 1,
  INT: 2,
  STRING: 3,
  TENSOR: 4,
  GRAPH: 5,
  SPARSE_TENSOR: 11,
  TYPE_PROTO: 13,
  FLOATS: 6,
  INTS: 7,
  STRINGS: 8,
  TENSORS: 9,
  GRAPHS: 10,
  SPARSE_TENSORS: 12,
  TYPE_PROTOS: 14,
});

/** `TensorProto.DataLocation.EXTERNAL`. */
export const DATA_LOCATION_EXTERNAL = 1;

export interface StringStringEntry {
  key?: string;
  value?: string;
}

export interface TensorProto {
  dims?: number[];
  dataType?: number;
  name?: string;
  docString?: string;
  floatData?: number[];
  int32Data?: number[];
  int64Data?: number[];
  doubleData?: number[];
  uint64Data?: number[];
  stringData?: Uint8Array[];
  rawData?: Uint8Array;
  externalData?: StringStringEntry[];
  dataLocation?: number;
  [other: string]: unknown;
}

export interface AttributeProto {
  name?: string;
  refAttrName?: string;
  docString?: string;
  type?: number;
  f?: number;
  i?: number;
  s?: Uint8Array;
  t?: TensorProto;
  g?: GraphProto;
  floats?: number[];
  ints?: number[];
  strings?: Uint8Array[];
  tensors?: TensorProto[];
  graphs?: GraphProto[];
  [other: string]: unknown;
}

export interface NodeProto {
  input?: string[];
  output?: string[];
  name?: string;
  opType?: string;
  domain?: string;
  attribute?: AttributeProto[];
  docString?: string;
  [other: string]: unknown;
}

export interface Dimension {
  dimValue?: number;
  dimParam?: string;
  denotation?: string;
}

export interface TypeProto {
  tensorType?: { elemType?: number; shape?: { dim?: Dimension[] } };
  [other: string]: unknown;
}

export interface ValueInfoProto {
  name?: string;
  type?: TypeProto;
  docString?: string;
  [other: string]: unknown;
}

export interface GraphProto {
  node?: NodeProto[];
  name?: string;
  initializer?: TensorProto[];
  sparseInitializer?: unknown[];
  docString?: string;
  input?: ValueInfoProto[];
  output?: ValueInfoProto[];
  valueInfo?: ValueInfoProto[];
  [other: string]: unknown;
}

export interface OperatorSetId {
  domain?: string;
  version?: number;
}

export interface ModelProto {
  irVersion?: number;
  opsetImport?: OperatorSetId[];
  producerName?: string;
  producerVersion?: string;
  domain?: string;
  modelVersion?: number;
  docString?: string;
  graph?: GraphProto;
  metadataProps?: StringStringEntry[];
  functions?: unknown[];
  [other: string]: unknown;
}
