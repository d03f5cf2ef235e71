/** A flat array of parameters, activations or gradients. */
export type FloatArray = Float32Array | Float64Array;

/** The element type of a model: every parameter, activation and gradient has it. */
export type Dtype = 'float32' | 'float64';

/** The nonlinearity between dense layers. */
export type Activation = 'relu' | 'tanh' | 'sigmoid' | 'gelu';

/**
 * The training loss.
 *
 * - `'softmax-cross-entropy'`: integer class labels; the mean over the batch
 *   of −log softmax(z)[label] (`torch.nn.functional.cross_entropy`).
 * - `'mse'`: float targets of the output's shape; the mean over every element
 *   of (z − y)² (`torch.nn.functional.mse_loss`).
 */
export type LossKind = 'softmax-cross-entropy' | 'mse';

/** Every activation name, for validation and messages. */
export const ACTIVATIONS: readonly Activation[] = Object.freeze(['relu', 'tanh', 'sigmoid', 'gelu']);

/** Every loss name, for validation and messages. */
export const LOSSES: readonly LossKind[] = Object.freeze(['softmax-cross-entropy', 'mse']);

/** The typed-array constructor of a dtype. */
export function arrayTypeOf(dtype: Dtype): Float32ArrayConstructor | Float64ArrayConstructor {
  return dtype === 'float32' ? Float32Array : Float64Array;
}
