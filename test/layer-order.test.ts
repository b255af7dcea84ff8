import { fileURLToPath } from 'node:url'
import { ESLint } from 'eslint'
import { describe, expect, it } from 'vitest'

/**
 * The layer order of docs/architecture.md ("Layers"), as `npm run lint` enforces it: each case plants
 * one import in a file that does not exist and lints it with the repository's own eslint.config.js.
 */
const root = fileURLToPath(new URL('..', import.meta.url))
const eslint = new ESLint({ cwd: root })

/** The layer-order messages for `code` as if it were the file at `path` (from the repository root). */
async function layerProblems(path: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: `${root}${path}` })
  return (result?.messages ?? []).filter((m) => m.ruleId === 'quarry/layer-order').map((m) => m.message)
}

describe('the layer order (npm run lint)', () => {
  it('lets a layer import the layers to its left', async () => {
    const code = [
      "import { authFor } from './auth/index.js'",
      "import { send } from './http/client.js'",
      "import { bindSql } from './sql/bind-sql.js'",
      "import type { Store } from './store/index.js'",
      "import { QuarryError } from './domain/errors.js'",
      'export { authFor, send, bindSql, QuarryError }',
      'export type { Store }',
    ].join('\n')
    expect(await layerProblems('src/engine-planted.ts', code)).toEqual([])
  })

  it('refuses an import from a layer to the right', async () => {
    const problems = await layerProblems('src/domain/planted.ts', "export { runQuery } from '../engine.js'")
    expect(problems).toHaveLength(1)
    expect(problems[0]).toContain('the domain layer may not import the engine layer')
    expect(problems[0]).toContain('docs/architecture.md')
  })

  it('counts type-only imports and dynamic imports', async () => {
    expect(
      await layerProblems(
        'src/store/planted.ts',
        "import type { Credentials } from '../auth/strategy.js'\nexport type { Credentials }",
      ),
    ).toHaveLength(1)
    expect(
      await layerProblems('src/render/planted.ts', "export const load = () => import('../server/start.js')"),
    ).toHaveLength(1)
  })

  it('keeps peers apart: http and sql may not import each other', async () => {
    expect(
      await layerProblems('src/http/planted.ts', "export { sqlDriver } from '../sql/index.js'"),
    ).toHaveLength(1)
  })

  it('lets only the CLI start the simulator, and the simulator import nothing of Quarry', async () => {
    const start = "export { startSimulator } from '../sim/server.js'"
    expect(await layerProblems('src/cli/planted.ts', start)).toEqual([])
    expect(await layerProblems('src/server/planted.ts', start)).toHaveLength(1)
    expect(
      await layerProblems('src/sim/planted.ts', "export { QuarryError } from '../domain/errors.js'"),
    ).toHaveLength(1)
    // src/sim/http/ is the simulator's own folder, not the http layer.
    expect(await layerProblems('src/sim/jira/planted.ts', "export * from '../http/json.js'")).toEqual([])
  })

  it('lets the admin UI import only the domain layer of src/', async () => {
    expect(
      await layerProblems('web/src/planted.ts', "export type { Query } from '../../src/domain/query.js'"),
    ).toEqual([])
    expect(
      await layerProblems('web/src/planted.ts', "export { render } from '../../src/render/index.js'"),
    ).toHaveLength(1)
  })

  it('asks for a new top-level module to be placed in a layer first', async () => {
    const problems = await layerProblems(
      'src/workflows/planted.ts',
      "export { authFor } from '../auth/index.js'",
    )
    expect(problems).toEqual([expect.stringContaining('src/workflows/planted.ts is in no layer')])
  })

  it('lets the admin UI import types from any layer, and values only from domain', async () => {
    expect(
      await layerProblems(
        'web/src/planted.ts',
        "export type { PresetForm } from '../../src/auth/presets/preset.js'",
      ),
    ).toEqual([])
    expect(
      await layerProblems(
        'web/src/planted.ts',
        "export { presetNamed } from '../../src/auth/presets/index.js'",
      ),
    ).toHaveLength(1)
  })
})
