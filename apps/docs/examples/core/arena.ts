import { adamwStepInPlace, createAdamWArena, initAdamW } from '@adamw/core';

// The same 20 steps on a million parameters twice: on ordinary arrays, which
// the WebAssembly kernel copies into its memory in chunks, and on arrays
// allocated in an arena, its memory, which it updates where they are (the
// fastest way on one thread). The results are the same bits.
const n = 1 << 20;
const gradient = (i: number, step: number) => Math.sin(i * 0.001 + step) * 0.1;

const params = new Float32Array(n).map((_, i) => Math.cos(i));
const grads = new Float32Array(n);
const state = initAdamW(params);

// Four arrays of n float32 values: parameters, gradients, m and v (64 bytes of alignment each).
const arena = createAdamWArena(4 * (4 * n + 64));
const fastParams = arena.copyOf(params);
const fastGrads = arena.float32(n);
const fastState = arena.initAdamW(fastParams);

const time = { ordinary: 0, arena: 0 };
for (let step = 0; step < 20; step++) {
  for (let i = 0; i < n; i++) grads[i] = fastGrads[i] = gradient(i, step);
  let t = performance.now();
  adamwStepInPlace(params, grads, state, { lr: 1e-3 });
  time.ordinary += performance.now() - t;
  t = performance.now();
  adamwStepInPlace(fastParams, fastGrads, fastState, { lr: 1e-3 });
  time.arena += performance.now() - t;
}

console.log(`${n} parameters, ${fastState.step} steps`);
console.log(
  `arena and ordinary arrays agree bit for bit: ${fastParams.every((x, i) => Object.is(x, params[i])) && fastState.v.every((x, i) => Object.is(x, state.v[i]))}`,
);
console.log(`arena: ${arena.usedBytes} of ${arena.capacityBytes} bytes in use`);
console.log(`ms per step: ordinary ${(time.ordinary / 20).toFixed(2)}, arena ${(time.arena / 20).toFixed(2)}`);
