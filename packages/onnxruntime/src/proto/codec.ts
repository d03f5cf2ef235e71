import protobuf from 'protobufjs/light.js';
import { ONNX_PROTO_DESCRIPTOR } from './descriptor.js';
import type { ModelProto } from './types.js';

let modelType: protobuf.Type | undefined;

/** The `onnx.ModelProto` type, built once from the bundled JSON descriptor. */
function modelProtoType(): protobuf.Type {
  if (modelType === undefined) {
    const root = protobuf.Root.fromJSON(ONNX_PROTO_DESCRIPTOR as unknown as protobuf.INamespace);
    modelType = root.lookupType('onnx.ModelProto');
  }
  return modelType;
}

const TO_OBJECT: protobuf.IConversionOptions = { longs: Number, enums: Number, defaults: false, arrays: false };

/**
 * Decodes the bytes of an ONNX model (`ModelProto`). Throws an Error that
 * says so when the bytes are not a protobuf message or hold no graph.
 */
export function decodeModel(bytes: Uint8Array): ModelProto {
  if (!(bytes instanceof Uint8Array)) {
    throw new TypeError(`an ONNX model must be a Uint8Array of its protobuf bytes, got ${describe(bytes)}`);
  }
  const type = modelProtoType();
  let message: protobuf.Message;
  try {
    message = type.decode(bytes);
  } catch (e) {
    throw new Error(`the bytes are not an ONNX model (protobuf decoding failed: ${(e as Error).message})`);
  }
  const model = type.toObject(message, TO_OBJECT) as ModelProto;
  if (model.graph === undefined) throw new Error('the bytes are not an ONNX model: ModelProto has no graph');
  return model;
}

/** Encodes a model back to protobuf bytes. */
export function encodeModel(model: ModelProto): Uint8Array {
  const type = modelProtoType();
  return type.encode(type.fromObject(model)).finish();
}

/** A deep copy of a model (through its encoding, so it shares nothing). */
export function cloneModel(model: ModelProto): ModelProto {
  return decodeModel(encodeModel(model));
}

function describe(x: unknown): string {
  if (x === null) return 'null';
  if (typeof x !== 'object') return typeof x;
  return (x as object).constructor?.name ?? 'object';
}
