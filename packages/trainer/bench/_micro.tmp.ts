import { KernelMemory } from '../src/simd/kernels.js';
const dtype = 'float32';
const shapes = [[64, 64, 256], [256, 512, 784], [512, 784, 256], [256, 512, 512]];
for (const [M, N, K] of shapes) {
  const mem = new KernelMemory(dtype, KernelMemory.bytesFor(dtype, [M*K, N*K, M*N]), 1024, 1024);
  const x = mem.alloc(M*K), w = mem.alloc(N*K), y = mem.alloc(M*N);
  for (let i=0;i<x.length;i++) x[i]=Math.sin(i*0.37);
  for (let i=0;i<w.length;i++) w[i]=Math.cos(i*0.11);
  const f = () => mem.forward(y, x, w, M, N, K);
  const reps = Math.max(1, Math.round(2e8 / (M*N*K)));
  for (let i=0;i<reps*3;i++) f();
  let best = 0;
  for (let r=0;r<15;r++){ const c0=process.cpuUsage(); for(let i=0;i<reps;i++) f(); const c=process.cpuUsage(c0); best=Math.max(best, 2*M*N*K*reps/((c.user+c.system)*1e3)); }
  console.log(M, N, K, best.toFixed(1), 'GFLOP/s per cpu-second');
}
