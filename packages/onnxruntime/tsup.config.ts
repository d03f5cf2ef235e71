import { defineConfig } from 'tsup';

export default defineConfig({
  // The main entry runs in browsers and Node; `/node` adds the file helpers
  // and onnxruntime-node as the default runtime.
  entry: ['src/index.ts', 'src/node.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'es2022',
});
