import { readFileSync } from 'node:fs'
import { Ajv, type ValidateFunction } from 'ajv'
import * as addFormatsModule from 'ajv-formats'

/**
 * Validates JSON against Jira's own response schemas (test/fixtures/jira-schemas.json,
 * derived from Atlassian's OpenAPI document by scripts/extract-jira-schemas.mjs).
 * The schemas forbid unknown properties, so a misspelt field fails too.
 */
const fixture = JSON.parse(
  readFileSync(new URL('../fixtures/jira-schemas.json', import.meta.url), 'utf8'),
) as {
  components: { schemas: Record<string, unknown> }
}

// ajv-formats is CommonJS with `exports.default`; under NodeNext its function sits at `.default`.
const addFormats = addFormatsModule.default as unknown as (ajv: Ajv) => Ajv
const ajv = new Ajv({ strict: false, allErrors: true })
addFormats(ajv)
ajv.addFormat('int32', true)
ajv.addFormat('int64', true)
ajv.addSchema({ $id: 'jira', components: fixture.components })

const compiled = new Map<string, ValidateFunction>()

/** Throws with every mismatch listed when `value` does not match the named schema. */
export function expectJiraSchema(name: string, value: unknown): void {
  let validate = compiled.get(name)
  if (!validate) {
    validate = ajv.compile({ $ref: `jira#/components/schemas/${name}` })
    compiled.set(name, validate)
  }
  if (!validate(value)) {
    const problems = (validate.errors ?? []).map(
      (e) => `${e.instancePath || '/'} ${e.message} ${JSON.stringify(e.params)}`,
    )
    throw new Error(`response does not match Jira's ${name} schema:\n  ${problems.join('\n  ')}`)
  }
}
