import * as tf from '@tensorflow/tfjs-core';

/**
 * A tensor with a name, as `minimize` passes gradients and as optimizers
 * return their weights (tfjs-core's own type of this shape is not exported).
 */
export interface NamedTensor {
  name: string;
  tensor: tf.Tensor;
}

/** One variable of a step with its gradient. */
export interface GradientEntry {
  name: string;
  variable: tf.Variable;
  grad: tf.Tensor;
}

function describe(x: unknown): string {
  return x === null ? 'null' : x === undefined ? 'undefined' : typeof x === 'object' ? ((x as object).constructor?.name ?? 'object') : typeof x;
}

/**
 * Turns what `applyGradients` receives, a `NamedTensor[]` (from `minimize`
 * with a variable list, which is what `model.fit` does) or a
 * `NamedTensorMap`, into a checked list. Throws, naming the variable, for an
 * unknown name, a missing gradient, a non-float32 variable or gradient, a
 * shape mismatch, a disposed tensor or a name given twice; nothing has been
 * changed when it throws.
 */
export function collectGradients(input: tf.NamedTensorMap | NamedTensor[]): GradientEntry[] {
  if (input === null || typeof input !== 'object') {
    throw new TypeError(`applyGradients expects a NamedTensor[] or a NamedTensorMap, got ${describe(input)}`);
  }
  const pairs: [string, unknown][] = Array.isArray(input)
    ? input.map((e, i) => {
        if (e === null || typeof e !== 'object' || typeof e.name !== 'string') {
          throw new TypeError(`applyGradients: entry ${i} must be { name, tensor }, got ${describe(e)}`);
        }
        return [e.name, e.tensor];
      })
    : Object.entries(input);
  const registered = tf.engine().registeredVariables;
  const seen = new Set<string>();
  const entries: GradientEntry[] = [];
  for (const [name, grad] of pairs) {
    if (seen.has(name)) throw new RangeError(`applyGradients: variable '${name}' appears twice`);
    seen.add(name);
    // registeredVariables is a plain object: 'constructor' or 'toString' would find Object.prototype's.
    const variable = Object.hasOwn(registered, name) ? registered[name] : undefined;
    if (variable === undefined) {
      throw new RangeError(`applyGradients: no variable named '${name}' is registered with the tfjs engine`);
    }
    if ((grad === null || grad === undefined) && !variable.trainable) {
      throw new TypeError(
        `applyGradients: variable '${name}' is not trainable (trainable: false), so minimize computed no gradient for it; leave it out of the variable list, or make it trainable to train it`,
      );
    }
    if (grad === null || grad === undefined) {
      throw new TypeError(
        `applyGradients: variable '${name}' has no gradient (it does not reach the loss); leave it out of the variable list or mark it trainable: false`,
      );
    }
    if (!(grad instanceof tf.Tensor)) throw new TypeError(`applyGradients: the gradient of '${name}' must be a tf.Tensor, got ${describe(grad)}`);
    if (variable.isDisposed) throw new TypeError(`applyGradients: variable '${name}' is disposed`);
    if (grad.isDisposed) throw new TypeError(`applyGradients: the gradient of '${name}' is disposed`);
    if (variable.dtype !== 'float32') throw new TypeError(`applyGradients: variable '${name}' has dtype ${variable.dtype}; AdamW updates float32 variables`);
    if (grad.dtype !== 'float32') throw new TypeError(`applyGradients: the gradient of '${name}' has dtype ${grad.dtype}, expected float32`);
    if (!tf.util.arraysEqual(grad.shape, variable.shape)) {
      throw new RangeError(
        `applyGradients: the gradient of '${name}' has shape [${grad.shape.join(', ')}] but the variable has shape [${variable.shape.join(', ')}]`,
      );
    }
    entries.push({ name, variable, grad });
  }
  return entries;
}
