import { defineConfig } from 'tsup';

// One self-contained build of the command line and its worker thread. The
// workspace packages are bundled from their TypeScript sources (the
// `@adamw/source` condition), so `pnpm start` needs no other package built.
export default defineConfig({
  entry: { cli: 'src/cli.ts', worker: 'src/worker.ts' },
  format: ['esm'],
  platform: 'node',
  target: 'node20',
  dts: false,
  sourcemap: true,
  clean: true,
  splitting: true,
  noExternal: [/^@adamw\//],
  esbuildOptions(options) {
    options.conditions = ['@adamw/source'];
  },
});
