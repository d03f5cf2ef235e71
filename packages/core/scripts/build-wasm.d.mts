// Types of scripts/build-wasm.mjs, for the tests that import it.
export function expandPlainVariants(watText: string): string;
export function generateAdamWWasmModule(watText: string): Promise<string>;
