import type { OptimizerState } from '../codec/state.js';
import type { FloatArray } from '../types.js';
import { assertSameShape, assertStep } from '../validate.js';
import type { OptimizerKind } from './protocol.js';

/** Optimizer states by parameter name. @internal */
export type NamedStates = Record<string, OptimizerState>;

/** The buffers a state of each kind may hold, and when each must be there. */
const BUFFERS: Record<OptimizerKind, readonly { field: string; needed: (o: Record<string, unknown>) => boolean; why: string }[]> = {
  adamw: [
    { field: 'm', needed: () => true, why: 'every AdamW state has it' },
    { field: 'v', needed: () => true, why: 'every AdamW state has it' },
    { field: 'vMax', needed: (o) => o.amsgrad === true, why: 'amsgrad' },
  ],
  sgdw: [{ field: 'momentumBuffer', needed: (o) => o.momentum !== 0, why: 'momentum' }],
};

/**
 * Checks states against parameters and each name's options: the same names,
 * a valid step, and exactly the buffers the options use, each of the
 * parameter's type and length. Throws naming `what`, the parameter and the
 * field; changes nothing. @internal
 */
export function checkStatesFor(
  kind: OptimizerKind,
  params: Readonly<Record<string, FloatArray>>,
  states: Readonly<NamedStates>,
  optionsOf: (name: string) => object,
  what: string,
): void {
  if (states === null || typeof states !== 'object') throw new TypeError(`${what} must be an object of states by parameter name`);
  const names = Object.keys(params);
  for (const name of Object.keys(states)) {
    if (!Object.hasOwn(params, name)) throw new RangeError(`${what} has a state for '${name}', which is not a parameter; parameters: ${names.join(', ')}`);
  }
  const known = new Set(Object.values(BUFFERS).flatMap((list) => list.map((b) => b.field)));
  for (const name of names) {
    const s = Object.hasOwn(states, name) ? (states[name] as unknown as Record<string, unknown>) : undefined;
    if (s === undefined || s === null || typeof s !== 'object') throw new RangeError(`${what} has no state for parameter '${name}'`);
    assertStep(s.step, `${what}['${name}'].step`);
    const options = optionsOf(name) as Record<string, unknown>;
    const mine = new Set(BUFFERS[kind].map((b) => b.field));
    for (const field of known) {
      if (!mine.has(field) && s[field] !== undefined) {
        throw new RangeError(`${what}['${name}'] has ${field}, which a${kind === 'adamw' ? 'n AdamW' : 'n SGDW'} state does not hold`);
      }
    }
    for (const { field, needed, why } of BUFFERS[kind]) {
      const a = s[field];
      if (needed(options)) {
        if (a === undefined) throw new RangeError(`${what}['${name}'] has no ${field}, which ${why} needs`);
        assertSameShape(a, `${what}['${name}'].${field}`, params[name]!, `params['${name}']`);
      }
      // A buffer the options no longer use (amsgrad or momentum turned off) is ignored, as torch's load_state_dict does.
    }
  }
}

/** Copies checked states into `into`'s arrays (which keep their identity) and steps. @internal */
export function copyStatesInto(into: NamedStates, from: Readonly<NamedStates>): void {
  for (const [name, s] of Object.entries(from)) {
    const target = into[name] as unknown as Record<string, unknown>;
    const source = s as unknown as Record<string, unknown>;
    for (const [field, value] of Object.entries(source)) {
      if (field === 'step') target.step = value;
      else if (value !== undefined && target[field] !== undefined) (target[field] as FloatArray).set(value as FloatArray);
    }
  }
}
