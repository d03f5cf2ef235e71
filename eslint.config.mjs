// The lint gate of `pnpm test` (`pnpm lint`): typescript-eslint's recommended rules, and
// two that need types: promises nobody awaits (a failed save or step would vanish) and
// switches over a union that miss a member. Formatting is Prettier's (`pnpm format`).
import js from '@eslint/js';
import globals from 'globals';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      '**/node_modules/**',
      '**/dist/**',
      'docs/api/**',
      'apps/docs/.vitepress/cache/**',
      'apps/docs/.vitepress/dist/**',
      '**/fixtures/**',
      'apps/docs/.vitepress/.temp/**',
      'out/**',
      // Generated from their sources by scripts (protobuf descriptor, WebAssembly modules as base64).
      'packages/onnxruntime/src/proto/descriptor.ts',
      'packages/core/src/simd/adamw-wasm.ts',
      'packages/trainer/src/simd/matmul-wasm.ts',
      // Vue single-file components: Prettier formats them; `vitepress build` compiles them.
      '**/*.vue',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts', '**/*.mts', '**/*.cts'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_', caughtErrors: 'none' },
      ],
    },
  },
  {
    // Configuration files and stand-alone examples belong to no tsconfig project: lint them without types.
    files: ['**/*.config.ts', 'packages/core/examples/**/*.ts', '**/*.js', '**/*.mjs', '**/*.cjs'],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    languageOptions: { globals: { ...globals.node } },
  },
  {
    files: ['**/*.cjs'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  prettier,
);
