// @ts-check
import js from '@eslint/js'
import globals from 'globals'
import tseslint from 'typescript-eslint'

/** The src/domain modules the admin UI takes values from: no imports, so nothing more is bundled. */
const BUNDLED_DOMAIN = [
  'query-choices',
  'datasource-defaults',
  'roles',
  'token-scope',
  'return-path',
  'password-rules',
]

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
  // The admin UI runs in the browser, and bundles what it imports: from src/, only types, or values
  // from the modules without imports (no zod, no node:*) that the schemas are built from (issue 11).
  {
    files: ['web/src/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: `^(\\.\\./)+src/(?!domain/(${BUNDLED_DOMAIN.join('|')})\\.js$)`,
              allowTypeImports: true,
              message:
                'The admin UI bundles what it imports: take types only (import type), or values from a src/domain module without imports (see web/README.md).',
            },
          ],
        },
      ],
    },
  },
  {
    files: BUNDLED_DOMAIN.map((name) => `src/domain/${name}.ts`),
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ regex: '.', message: 'The admin UI bundles this module: it imports nothing.' }] },
      ],
    },
  },
)
