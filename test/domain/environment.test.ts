import { readFileSync } from 'node:fs'
import { relative } from 'node:path'
import prettier from 'prettier'
import ts from 'typescript'
import { describe, expect, it } from 'vitest'
import { environmentMarkdown } from '../../src/domain/environment-doc.js'
import { ENVIRONMENT, USER_NAMED_ENV } from '../../src/domain/environment.js'

/**
 * Issue 19: every environment variable Quarry reads is in one registry (src/domain/environment.ts),
 * and docs/environment.md is generated from it. The reads are found by the TypeScript checker, not
 * by a pattern: any access to a value typed `NodeJS.ProcessEnv` (process.env, or an `env` parameter
 * that defaults to it), by name, by a constant, or destructured.
 */

const root = new URL('../../', import.meta.url).pathname

interface EnvRead {
  readonly file: string
  /** The variable, or undefined when its name is computed at run time. */
  readonly name: string | undefined
}

/** Every read of an environment variable in `program`'s own files. */
function envReads(program: ts.Program): EnvRead[] {
  const checker = program.getTypeChecker()
  const isEnv = (node: ts.Expression) => {
    const type = checker.getTypeAtLocation(node)
    return (type.aliasSymbol ?? type.getSymbol())?.getName() === 'ProcessEnv'
  }
  const nameOf = (node: ts.Expression): string | undefined => {
    const type = checker.getTypeAtLocation(node)
    return type.isStringLiteral() ? type.value : undefined
  }
  const reads: EnvRead[] = []
  for (const source of program.getSourceFiles()) {
    if (source.isDeclarationFile || source.fileName.includes('/node_modules/')) continue
    const file = relative(root, source.fileName)
    const visit = (node: ts.Node): void => {
      if (ts.isPropertyAccessExpression(node) && isEnv(node.expression)) {
        reads.push({ file, name: node.name.text })
      } else if (ts.isElementAccessExpression(node) && isEnv(node.expression)) {
        reads.push({ file, name: nameOf(node.argumentExpression) })
      } else if (
        ts.isVariableDeclaration(node) &&
        ts.isObjectBindingPattern(node.name) &&
        node.initializer &&
        isEnv(node.initializer)
      ) {
        for (const element of node.name.elements) {
          const key = element.propertyName ?? element.name
          reads.push({ file, name: ts.isIdentifier(key) ? key.text : undefined })
        }
      }
      ts.forEachChild(node, visit)
    }
    visit(source)
  }
  return reads
}

function programOf(files: Readonly<Record<string, string>>): ts.Program {
  const options: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    types: ['node'],
    strict: true,
    noEmit: true,
  }
  const host = ts.createCompilerHost(options)
  const read = host.readFile.bind(host)
  host.readFile = (name) => files[relative(root, name)] ?? read(name)
  const exists = host.fileExists.bind(host)
  host.fileExists = (name) => relative(root, name) in files || exists(name)
  return ts.createProgram(
    Object.keys(files).map((name) => root + name),
    options,
    host,
  )
}

const srcProgram = (): ts.Program => {
  const config = ts.getParsedCommandLineOfConfigFile(
    `${root}tsconfig.build.json`,
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (diagnostic) => {
        throw new Error(ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'))
      },
    },
  )
  if (!config) throw new Error('tsconfig.build.json did not parse')
  return ts.createProgram(config.fileNames, { ...config.options, noEmit: true })
}

describe('the environment registry', () => {
  const reads = envReads(srcProgram())

  it('lists every variable src/ reads', () => {
    const unlisted = reads.filter((read) => read.name !== undefined && !(read.name in ENVIRONMENT))
    expect(
      unlisted,
      'add these variables to ENVIRONMENT in src/domain/environment.ts, then run npm run docs:generate',
    ).toEqual([])
  })

  it('lists only variables src/ reads', () => {
    const read = new Set(reads.map((r) => r.name))
    expect(Object.keys(ENVIRONMENT).filter((name) => !read.has(name))).toEqual([])
  })

  it('reads a variable by a computed name only where the user names it (env:NAME)', () => {
    const computed = reads.filter((read) => read.name === undefined).map((read) => read.file)
    expect(computed.filter((file) => !(USER_NAMED_ENV.readIn as readonly string[]).includes(file))).toEqual(
      [],
    )
    // The user-named reads are where the registry says they are.
    expect([...new Set(computed)].sort()).toEqual([...USER_NAMED_ENV.readIn].sort())
  })

  it('finds reads in every form a module may write them', () => {
    const found = envReads(
      programOf({
        'src/planted-env.ts': [
          "const NAME = 'PLANTED_CONST'",
          'export const a = process.env.PLANTED_DOT',
          "export const b = process.env['PLANTED_BRACKET']",
          'export const c = process.env[NAME]',
          'export const { PLANTED_DESTRUCTURED } = process.env',
          'export const d = (env: NodeJS.ProcessEnv = process.env) => env.PLANTED_PARAMETER',
          'export const e = (name: string) => process.env[name]',
        ].join('\n'),
      }),
    ).filter((read) => read.file === 'src/planted-env.ts')
    expect(found.map((read) => read.name)).toEqual([
      'PLANTED_DOT',
      'PLANTED_BRACKET',
      'PLANTED_CONST',
      'PLANTED_DESTRUCTURED',
      'PLANTED_PARAMETER',
      undefined,
    ])
  })
})

describe('docs/environment.md', () => {
  it('is what `npm run docs:generate` writes from the registry', async () => {
    const file = `${root}docs/environment.md`
    const options = (await prettier.resolveConfig(file)) ?? {}
    const generated = await prettier.format(environmentMarkdown(), { ...options, filepath: file })
    expect(readFileSync(file, 'utf8'), 'docs/environment.md is stale: run npm run docs:generate').toBe(
      generated,
    )
  })
})
