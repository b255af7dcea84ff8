// @ts-check
import { dirname, relative, resolve } from 'node:path'
import js from '@eslint/js'
import globals from 'globals'
import tseslint from 'typescript-eslint'

/**
 * The layer order of src/ (docs/architecture.md, "Layers"): a module may import from its own layer
 * and from the layers of lower ranks, never from a higher rank. Layers that share a rank are peers
 * and may not import each other. A layer is named by the first part of a path under src/ (a folder,
 * or a file without its extension); `engine-*` stands for every src/engine-NAME.ts.
 * @type {ReadonlyArray<Readonly<Record<string, readonly string[]>>>}
 */
const LAYERS = [
  { domain: ['domain'] },
  { store: ['store'] },
  { auth: ['auth'] },
  { http: ['http'], sql: ['sql'] },
  { convert: ['convert'] },
  { render: ['render'] },
  { engine: ['engine', 'engine-*'] },
  { notify: ['notify', 'subscribe'] },
  { transfer: ['config-transfer', 'pocketquery'] },
  { schedule: ['schedule'] },
  { server: ['server'] },
  { cli: ['cli'] },
]
/** The Atlassian Cloud simulator: a dev tool of its own, importing nothing of Quarry's; only the CLI starts it. */
const SIMULATOR = { name: 'sim', importedBy: ['cli'] }
/** The admin UI is a browser bundle: of src/ it may import only these layers. */
const WEB_MAY_IMPORT = ['domain']
/**
 * Imports allowed against the order, each until a named change removes it (docs/architecture.md,
 * "Known exceptions"). One line each: `importer -> imported`, paths from the repository root.
 */
const LAYER_EXCEPTIONS = new Set([
  // none today: each was removed by the change its line named
])

const ROOT = import.meta.dirname
const ORDER = LAYERS.map((rank) => Object.keys(rank).join('|')).join(' ← ')

/**
 * The layer (name and rank) of a path under src/, or undefined for a path in no layer.
 * @param {string} path
 */
function layerOf(path) {
  const unit = path.split('/')[1]?.replace(/\.[cm]?[jt]sx?$/, '')
  if (unit === SIMULATOR.name) return { name: SIMULATOR.name, rank: -1 }
  for (const [rank, layers] of LAYERS.entries()) {
    for (const [name, units] of Object.entries(layers)) {
      if (units.some((u) => (u.endsWith('*') ? unit?.startsWith(u.slice(0, -1)) : unit === u)))
        return { name, rank }
    }
  }
  return undefined
}

/**
 * Why `importer` may not import `imported` (paths from the root), or undefined when it may.
 * @param {string} importer
 * @param {string} imported
 * @param {boolean} [typeOnly] the import brings in types only
 */
function violation(importer, imported, typeOnly = false) {
  if (LAYER_EXCEPTIONS.has(`${importer} -> ${imported.replace(/\.js$/, '.ts')}`)) return undefined
  const inSrc = imported.startsWith('src/')
  if (importer.startsWith('web/')) {
    // A type-only import leaves nothing in the browser bundle.
    if (typeOnly) return undefined
    const target = inSrc ? layerOf(imported) : undefined
    return !inSrc || WEB_MAY_IMPORT.includes(target?.name ?? '')
      ? undefined
      : `web/ may import only ${WEB_MAY_IMPORT.map((name) => `src/${name}/`).join(', ')} of src/, not ${imported}`
  }
  if (!inSrc) return `src/ may not import ${imported}: it is outside src/`
  const from = layerOf(importer)
  const to = layerOf(imported)
  if (from === undefined) return `${importer} is in no layer: add it to LAYERS and to docs/architecture.md`
  if (to === undefined) return `${imported} is in no layer: add it to LAYERS and to docs/architecture.md`
  if (from.name === to.name) return undefined
  if (to.name === SIMULATOR.name)
    return SIMULATOR.importedBy.includes(from.name) ? undefined : `only src/cli/ may import the simulator`
  if (from.name === SIMULATOR.name) return `the simulator may not import Quarry's ${to.name} layer`
  if (to.rank < from.rank) return undefined
  return `the ${from.name} layer may not import the ${to.name} layer (${imported}): the order is ${ORDER}`
}

/** @type {import('eslint').Rule.RuleModule} */
const layerOrder = {
  meta: {
    type: 'problem',
    docs: { description: 'Enforces the layer order of docs/architecture.md' },
    schema: [],
  },
  create(context) {
    const importer = relative(ROOT, context.filename)
    /** @param {{ source?: (import('estree').Node & { value?: unknown }) | null }} node */
    const check = (node) => {
      const source = node.source
      const spec = source?.value
      if (!source || typeof spec !== 'string' || !spec.startsWith('.')) return
      const kinds =
        /** @type {{ type: string, importKind?: string, exportKind?: string, specifiers?: { importKind?: string }[] }} */ (
          /** @type {unknown} */ (node)
        )
      const typeOnly =
        kinds.type === 'TSImportType' ||
        kinds.importKind === 'type' ||
        kinds.exportKind === 'type' ||
        (kinds.specifiers !== undefined &&
          kinds.specifiers.length > 0 &&
          kinds.specifiers.every((specifier) => specifier.importKind === 'type'))
      const why = violation(importer, relative(ROOT, resolve(dirname(context.filename), spec)), typeOnly)
      if (why !== undefined)
        context.report({ node: source, message: `${why} (docs/architecture.md, "Layers")` })
    }
    return {
      ImportDeclaration: check,
      ExportNamedDeclaration: check,
      ExportAllDeclaration: check,
      ImportExpression: check,
      TSImportType: check,
    }
  },
}

/** The src/domain modules the admin UI takes values from: no imports, so nothing more is bundled. */
const BUNDLED_DOMAIN = [
  'query-choices',
  'panel-choices',
  'datasource-defaults',
  'roles',
  'token-scope',
  'return-path',
  'password-rules',
  'secret-mask',
  'name-rules',
  'alert-words',
  'auth-kinds/index',
  'audit-kinds',
  'context-names',
  'dashboard-grid',
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
    files: BUNDLED_DOMAIN.filter((name) => !name.includes('/')).map((name) => `src/domain/${name}.ts`),
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ regex: '.', message: 'The admin UI bundles this module: it imports nothing.' }] },
      ],
    },
  },
  // The auth kinds are bundled as a folder: each description imports only its siblings (the zod
  // schema built from them, auth-schema.ts, is the server's and not bundled).
  {
    files: ['src/domain/auth-kinds/*.ts'],
    ignores: ['src/domain/auth-kinds/auth-schema.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^(?!\\./)',
              message: 'The admin UI bundles the auth kinds: they import only each other.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src/**/*.ts', 'web/src/**/*.{ts,tsx}'],
    plugins: { quarry: { rules: { 'layer-order': layerOrder } } },
    rules: { 'quarry/layer-order': 'error' },
  },
)
