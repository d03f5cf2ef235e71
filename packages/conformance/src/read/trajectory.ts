import type { TrajectoryFixture } from '../fixtures';
import { array, fail, numbers, object, string } from './fields';
import { readOptimizer } from './optimizer';

/**
 * Reads an `adamw-trajectory/1` fixture (parsed JSON): checks the fields the
 * adapters rely on, naming the field on a problem, and fills the optional
 * ones: `optimizer.noDecay` defaults to `[]` (every parameter decays) and
 * `optimizer.scheduleMultipliers` to 1 for every batch. The value is
 * returned as a new object; the input is not modified.
 */
export function readTrajectoryFixture(value: unknown): TrajectoryFixture {
  const o = object(value, 'fixture');
  if (o.format !== 'adamw-trajectory/1') fail('format', `expected 'adamw-trajectory/1', got ${JSON.stringify(o.format)}`);
  string(o.name, 'name');
  const dtype = string(o.dtype, 'dtype');
  if (dtype !== 'float32' && dtype !== 'float64') fail('dtype', `'${dtype}' is not float32 or float64`);
  const model = object(o.model, 'model');
  numbers(model.layers, 'model.layers');
  object(o.params, 'params');
  const data = object(o.data, 'data');
  object(data.x, 'data.x');
  object(data.y, 'data.y');
  const batches = array(o.batches, 'batches');
  batches.forEach((b, i) => numbers(b, `batches[${i}]`));
  const expected = object(o.expected, 'expected');
  const losses = numbers(expected.losses, 'expected.losses');
  if (losses.length !== batches.length) fail('expected.losses', `${losses.length} losses for ${batches.length} batches`);
  object(expected.params, 'expected.params');
  const optimizer = readOptimizer(o.optimizer, 'optimizer', batches.length);
  return { ...(o as unknown as TrajectoryFixture), optimizer: optimizer as TrajectoryFixture['optimizer'] };
}
