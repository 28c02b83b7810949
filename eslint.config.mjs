// Lint: typescript-eslint's recommended rules, without type information (fast), plus a few
// that keep the code honest. Formatting is Prettier's (npm run lint checks both).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'dist/',
      'dist-examples/',
      'bench/node_modules/',
      'playground/dist/',
      'bench/peers/',
      'node_modules/',
      'test/golden/',
      'test/fixtures/',
      '.tmp/',
      '**/*.d.ts',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        console: 'readonly',
        process: 'readonly',
        __dirname: 'readonly',
        require: 'readonly',
        module: 'writable',
        URL: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        performance: 'readonly',
        structuredClone: 'readonly',
        Buffer: 'readonly',
        self: 'readonly',
        postMessage: 'readonly',
        fetch: 'readonly',
        document: 'readonly',
        window: 'readonly',
        navigator: 'readonly',
        Worker: 'readonly',
      },
    },
    rules: {
      // Parameters are positional (a derivative rule's (a, b, y), a callback's (value, index)).
      '@typescript-eslint/no-unused-vars': ['error', { args: 'none', caughtErrors: 'none', ignoreRestSiblings: true }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports', disallowTypeAnnotations: false }],
      eqeqeq: ['error', 'always', { null: 'ignore' }],
      'no-var': 'error',
      'prefer-const': 'error',
    },
  },
  {
    // The API's declarations accept any function of numbers, and options objects that may be empty.
    files: ['runtime/index.ts', 'runtime/types.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off', '@typescript-eslint/no-empty-object-type': 'off' },
  },
  {
    // Hosts load the TypeScript, ts-node or ts-jest their user installed, by require at run time.
    files: ['transformer/hosts/**'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // Tests and scripts handle what modules export as untyped values.
    files: ['test/**', 'bench/**', 'scripts/**', 'examples/**', 'playground/**'],
    rules: { '@typescript-eslint/no-explicit-any': 'off', '@typescript-eslint/no-require-imports': 'off', '@typescript-eslint/no-unsafe-function-type': 'off' },
  },
);
