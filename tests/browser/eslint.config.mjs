// ESLint for every UI's JavaScript and the browser tests. Run from the
// repository root (`npm run lint` here does that): with `-c` the base path is
// the working directory, so the UI folders are in reach.
import js from '@eslint/js';
import globals from 'globals';

export default [
  { ignores: ['target/**', '**/node_modules/**', 'crates/**', 'docs/**'] },
  js.configs.recommended,
  {
    files: ['*-ui/**/*.js'],
    languageOptions: { ecmaVersion: 2024, sourceType: 'module', globals: { ...globals.browser } },
  },
  {
    files: ['tests/browser/**/*.mjs'],
    languageOptions: {
      ecmaVersion: 2024,
      sourceType: 'module',
      // Code passed to page.evaluate runs in the page.
      globals: { ...globals.node, ...globals.browser },
    },
  },
  {
    rules: {
      'no-unused-vars': ['warn', { argsIgnorePattern: '^_', caughtErrors: 'none' }],
      eqeqeq: ['warn', 'always', { null: 'ignore' }],
      'no-var': 'warn',
      'prefer-const': 'warn',
    },
  },
];
