import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'es2022',
  // tfjs-core keeps its serialization registry per copy: bundling one would
  // register AdamW where the application's tf.loadLayersModel never looks.
  external: ['@tensorflow/tfjs-core', '@adamw/core'],
});
