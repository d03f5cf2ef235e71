// The model the trainer writer saves: about a million float32 parameters, so a
// checkpoint (parameters, m and v) is about 12 MB and a save takes long enough
// to be interrupted.
export const WRITER_LAYERS = [256, 2048, 256];

/** A fixed batch of 4 rows. */
export function writerBatch(): { x: Float32Array; y: Float32Array } {
  const x = Float32Array.from({ length: 4 * 256 }, (_, i) => Math.sin(i));
  const y = Float32Array.from({ length: 4 * 256 }, (_, i) => Math.cos(i));
  return { x, y };
}
