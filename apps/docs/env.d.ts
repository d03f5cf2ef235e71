// Single-file components, for the TypeScript files that import them.
declare module '*.vue' {
  import type { DefineComponent } from 'vue';
  const component: DefineComponent;
  export default component;
}

// The `mnist` package (CommonJS, read by scripts/playground-digits.ts) ships no types.
declare module 'mnist' {
  const digits: { id: number; raw: number[]; length: number }[];
  export default digits;
}
