// Requires @adamw/tfjs with tfjs-core and the cpu backend as a CommonJS
// consumer would and takes one minimize step of a linear loss.
const tf = require('@tensorflow/tfjs-core');
require('@tensorflow/tfjs-backend-cpu');
// tfjs-core alone registers no gradients; tfjs-layers (or the @tensorflow/tfjs bundle) does.
require('@tensorflow/tfjs-layers');
const { adamw } = require('@adamw/tfjs');

(async () => {
  await tf.setBackend('cpu');
  const w = tf.variable(tf.tensor1d([1, -2, 0.5]), true, 'w');
  const c = tf.tensor1d([0.5, -0.25, 0.75]);
  const optimizer = adamw({ lr: 0.1, weightDecay: 0.01, exclude: [] });
  optimizer.minimize(() => tf.sum(tf.mul(w, c)));
  console.log(
    JSON.stringify({
      resolved: require.resolve('@adamw/tfjs'),
      backend: tf.getBackend(),
      isOptimizer: optimizer instanceof tf.Optimizer,
      registered: 'AdamW' in tf.serialization.SerializationMap.getMap().classNameMap,
      iterations: optimizer.iterations,
      params: Array.from(w.dataSync()),
    }),
  );
})();
