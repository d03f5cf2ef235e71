/**
 * Splits [0, n) into `parts` contiguous ranges whose inner boundaries are
 * multiples of `align` elements (so no two threads write the same cache
 * line), as even as that allows. Returns the boundaries: part i is
 * [bounds[i], bounds[i + 1]); some parts may be empty when n is small.
 */
export function shardBounds(n: number, parts: number, align: number): number[] {
  const bounds = [0];
  for (let i = 1; i < parts; i++) {
    const cut = Math.round((n * i) / parts / align) * align;
    bounds.push(Math.min(n, Math.max(bounds[i - 1]!, cut)));
  }
  bounds.push(n);
  return bounds;
}
