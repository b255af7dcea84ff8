// @ts-check
import js from '@eslint/js'
import globals from 'globals'
import tseslint from 'typescript-eslint'

export default tseslint.config(
  // PocketQuery's converters are kept as its docs write them (var, hasOwnProperty, tabs): issue 13.
  {
    ignores: [
      'dist/',
      'node_modules/',
      '.tools/',
      'coverage/',
      'bench/out/',
      'test/fixtures/pocketquery-converters/',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      eqeqeq: ['error', 'always', { null: 'ignore' }],
      // A one-line if may go without braces; a nested statement may not (a dangling else once chose the wrong if).
      curly: ['error', 'multi-or-nest', 'consistent'],
      'no-console': 'off',
    },
  },
  // The admin UI runs in the browser.
  { files: ['web/src/**/*.{ts,tsx}'], languageOptions: { globals: { ...globals.browser } } },
)
