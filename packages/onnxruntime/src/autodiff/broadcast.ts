import type { GraphEmitter } from '../graph/emitter.js';
import { sameDim, type Dim } from '../graph/values.js';

/**
 * Sums a gradient `g` of shape `gDims` down to the shape of `x` (`xDims`),
 * undoing numpy broadcasting: leading axes that `x` lacks are summed away
 * and axes where `x` has size 1 are summed with keepdims.
 *
 * When the shapes say statically which axes to sum, that is a single
 * ReduceSum with constant axes (or nothing at all). When an axis of `x` is
 * symbolic or unknown and might be 1 at run time, the axes are found at run
 * time instead: `Equal(Shape(x) padded with leading ones, 1)` → `NonZero`,
 * a ReduceSum that is a no-op for an empty axis list, then a Reshape to
 * `Shape(x)`. Either way the result has exactly `x`'s shape.
 */
export function sumToShape(e: GraphEmitter, g: string, gDims: readonly Dim[], x: string, xDims: readonly Dim[]): string {
  const lead = gDims.length - xDims.length;
  if (lead < 0) throw new Error(`internal: gradient of rank ${gDims.length} cannot be summed to rank ${xDims.length}`);
  const axes: number[] = [];
  for (let i = 0; i < lead; i++) axes.push(i);
  let dynamic = false;
  xDims.forEach((d, i) => {
    const out = gDims[lead + i]!;
    if (d === 1) {
      if (out !== 1) axes.push(lead + i);
    } else if (typeof d !== 'number' && !sameDim(d, out)) {
      dynamic = true;
    }
  });
  if (!dynamic) {
    if (axes.length === 0) return g;
    if (axes.length === lead) return e.reduceSum(g, axes, false);
    const kept = e.reduceSum(g, axes, true);
    return lead === 0 ? kept : e.squeeze(kept, axes.slice(0, lead));
  }
  const sx = e.shape(x);
  const padded = lead > 0 ? e.op('Concat', [e.ints(new Array<number>(lead).fill(1)), sx], { axis: 0 }) : sx;
  const ones = e.op('Equal', [padded, e.ints([1])]);
  const found = e.reshape(e.op('NonZero', [ones]), [-1]);
  const summed = e.reduceSum(g, found, true, true);
  return e.reshape(summed, sx);
}
