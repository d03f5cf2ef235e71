// Requires @adamw/core as a CommonJS consumer would and takes one AdamW step.
const core = require('@adamw/core');

const params = new Float64Array([1, -2, 0.5]);
const grads = new Float64Array([0.5, -0.25, 0]);
const state = core.initAdamW(params);
core.adamwStepInPlace(params, grads, state, { lr: 0.1, weightDecay: 0.01 });
console.log(
  JSON.stringify({
    resolved: require.resolve('@adamw/core'),
    exports: Object.keys(core).sort(),
    params: Array.from(params),
    step: state.step,
  }),
);
