// Types of scripts/build-wasm.mjs, for the tests that import it.
export const TYPE_TOKENS: readonly (readonly [token: string, float32: string, float64: string])[];
export function expandPlainVariants(watText: string): string;
export function expandTypeVariants(watText: string, types?: readonly ('f32' | 'f64')[]): string;
export function generateWasmModule(build: {
  watText: string;
  watName: string;
  name: string;
  title: string;
  shared: boolean;
  perType?: boolean;
  command: string;
  script: string;
}): Promise<string>;
export function generateAdamWWasmModule(watText: string): Promise<string>;
