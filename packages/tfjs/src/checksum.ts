import { crc32 } from '@adamw/core';
import * as tf from '@tensorflow/tfjs-core';

/** The key under `userDefinedMetadata` that holds the record. */
export const CHECKSUM_METADATA_KEY = 'adamwCheckpoint';

/**
 * The newest record format this version writes and reads. Format 2 adds the
 * checksums of the model topology and the training config (the optimizer
 * and its options); records of format 1 are still read, without those two
 * checks.
 */
export const CHECKSUM_FORMAT = 2;

/** What {@link checksummed} adds to a saved model's `userDefinedMetadata`. */
export interface ChecksumRecord {
  /** Record format, {@link CHECKSUM_FORMAT} when written by this version. */
  format: number;
  /** Length of the weight data in bytes (model weights and, with `includeOptimizer`, the AdamW state). */
  weightBytes: number;
  /** CRC-32 (IEEE) of the weight data. */
  weightsCrc32: number;
  /** CRC-32 of the weight specs as JSON (names, shapes, dtypes and their order). */
  specsCrc32: number;
  /** CRC-32 of the model topology (its JSON, or its bytes); format 2 on. */
  topologyCrc32?: number;
  /** CRC-32 of the training config as JSON (loss, metrics, the optimizer's class and options); format 2 on. */
  trainingConfigCrc32?: number;
}

const encoder = new TextEncoder();

function weightBytes(data: tf.io.WeightData | undefined): Uint8Array {
  if (data === undefined) return new Uint8Array(0);
  if (!Array.isArray(data)) return new Uint8Array(data);
  const total = data.reduce((n, b) => n + b.byteLength, 0);
  const out = new Uint8Array(total);
  let at = 0;
  for (const b of data) {
    out.set(new Uint8Array(b), at);
    at += b.byteLength;
  }
  return out;
}

/** CRC-32 of a JSON value as `JSON.stringify` writes it (what model.json holds), or of raw bytes. */
function crcOf(value: unknown): number {
  if (value instanceof ArrayBuffer) return crc32(new Uint8Array(value));
  return crc32(encoder.encode(JSON.stringify(value ?? null)));
}

function recordOf(artifacts: tf.io.ModelArtifacts): Required<ChecksumRecord> {
  const bytes = weightBytes(artifacts.weightData);
  return {
    format: CHECKSUM_FORMAT,
    weightBytes: bytes.byteLength,
    weightsCrc32: crc32(bytes),
    specsCrc32: crcOf(artifacts.weightSpecs ?? []),
    topologyCrc32: crcOf(artifacts.modelTopology),
    trainingConfigCrc32: crcOf(artifacts.trainingConfig),
  };
}

function hex(x: number): string {
  return `0x${(x >>> 0).toString(16).padStart(8, '0')}`;
}

/** Throws unless `artifacts` carry a record that matches their weights; returns them without the record. */
function verified(artifacts: tf.io.ModelArtifacts, where: string): tf.io.ModelArtifacts {
  const metadata = artifacts.userDefinedMetadata ?? {};
  const record = metadata[CHECKSUM_METADATA_KEY] as Partial<ChecksumRecord> | undefined;
  if (record === undefined || record === null || typeof record !== 'object') {
    throw new Error(
      `${where}: the model has no '${CHECKSUM_METADATA_KEY}' record in its userDefinedMetadata; it was not saved through checksummed() of @adamw/tfjs, so its weights cannot be checked`,
    );
  }
  if (typeof record.format !== 'number' || !Number.isInteger(record.format) || record.format < 1) {
    throw new Error(`${where}: the '${CHECKSUM_METADATA_KEY}' record has no valid format number (${JSON.stringify(record.format)})`);
  }
  if (record.format > CHECKSUM_FORMAT) {
    throw new Error(`${where}: checkpoint format ${record.format} is newer than this version of @adamw/tfjs reads (${CHECKSUM_FORMAT}); upgrade @adamw/tfjs`);
  }
  const actual = recordOf(artifacts);
  if (actual.weightBytes !== record.weightBytes) {
    throw new Error(
      `${where}: the weight data is ${actual.weightBytes} bytes where ${String(record.weightBytes)} were saved; the weights file is truncated or was replaced`,
    );
  }
  if (actual.specsCrc32 !== record.specsCrc32) {
    throw new Error(`${where}: the weight specs (names, shapes, dtypes) differ from those saved; model.json was edited or belongs to another checkpoint`);
  }
  if (record.format >= 2) {
    if (actual.topologyCrc32 !== record.topologyCrc32) {
      throw new Error(`${where}: the model topology differs from the one saved; model.json was edited or belongs to another checkpoint`);
    }
    if (actual.trainingConfigCrc32 !== record.trainingConfigCrc32) {
      throw new Error(
        `${where}: the training config (optimizer and its options) differs from the one saved; model.json was edited or belongs to another checkpoint`,
      );
    }
  }
  if (actual.weightsCrc32 !== record.weightsCrc32) {
    throw new Error(
      `${where}: the weight data fails its CRC-32 check (${hex(actual.weightsCrc32)}, saved ${hex(record.weightsCrc32 ?? 0)}); the weights file is corrupted`,
    );
  }
  const { [CHECKSUM_METADATA_KEY]: _record, ...rest } = metadata;
  const out: tf.io.ModelArtifacts = { ...artifacts };
  if (Object.keys(rest).length > 0) out.userDefinedMetadata = rest;
  else delete out.userDefinedMetadata;
  return out;
}

function handlerFor(target: string | tf.io.IOHandler, use: 'save' | 'load'): tf.io.IOHandler {
  if (typeof target !== 'string') return target;
  const handlers = use === 'save' ? tf.io.getSaveHandlers(target) : tf.io.getLoadHandlers(target);
  if (handlers.length === 0) throw new Error(`checksummed: no tfjs ${use} handler is registered for '${target}'`);
  return handlers[0]!;
}

/**
 * Wraps a tfjs IOHandler (or a URL such as `'indexeddb://my-model'`) so that
 * a checkpoint carries a format version and checksums, and is refused when
 * it does not match them. On save the handler adds a record to the model's
 * `userDefinedMetadata`: the format, the length and the CRC-32 of the weight
 * data (the model's weights and, with `includeOptimizer: true`, the AdamW
 * state), and the CRC-32 of the weight specs, of the model topology and of
 * the training config (the optimizer's class and options). On load it checks the record
 * before tfjs builds anything, and hands tfjs the artifacts without it.
 *
 * A truncated or bit-flipped weights file, edited specs, topology or
 * optimizer options, a model saved
 * without this wrapper and a newer format are each refused with an error
 * that says which. Where the bytes are written, and whether atomically, is
 * the wrapped handler's business (IndexedDB writes in one transaction).
 *
 * @example
 * ```ts
 * await model.save(checksummed('indexeddb://run-7'), { includeOptimizer: true });
 * const restored = await tf.loadLayersModel(checksummed('indexeddb://run-7'));
 * ```
 * @throws TypeError for a target that is neither a URL string nor a handler.
 */
export function checksummed(target: string | tf.io.IOHandler): tf.io.IOHandler {
  if (typeof target !== 'string' && (target === null || typeof target !== 'object')) {
    throw new TypeError(`checksummed expects a tfjs IOHandler or a URL string, got ${target === null ? 'null' : typeof target}`);
  }
  const name = typeof target === 'string' ? `'${target}'` : 'the checkpoint';
  return {
    save: async (artifacts: tf.io.ModelArtifacts) => {
      const inner = handlerFor(target, 'save');
      if (typeof inner.save !== 'function') throw new TypeError('checksummed: the wrapped handler cannot save');
      return inner.save({
        ...artifacts,
        userDefinedMetadata: { ...(artifacts.userDefinedMetadata ?? {}), [CHECKSUM_METADATA_KEY]: { ...recordOf(artifacts) } },
      });
    },
    load: async () => {
      const inner = handlerFor(target, 'load');
      if (typeof inner.load !== 'function') throw new TypeError('checksummed: the wrapped handler cannot load');
      return verified(await inner.load(), `loading ${name}`);
    },
  };
}
