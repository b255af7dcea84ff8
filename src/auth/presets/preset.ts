import type { z } from 'zod'
import type { PresetBlock, PresetSite, RestDatasource } from '../../domain/datasource.js'
import { QuarryError } from '../../domain/errors.js'
import type { QueryInput } from '../../domain/query.js'

/**
 * What every preset is: one file per provider (jira-cloud.ts, …), each the same five parts — the
 * block it stores on the datasource, the datasource it builds, its ready-made queries, how it
 * completes a consent, and the form the admin UI renders. The registry (index.ts) lists them; the
 * CLI, the server and the admin UI iterate it, so a new preset is one file plus its tests.
 */

/** One field an admin fills in: a key of the API body, a CLI flag (`--kebab-case` of the key), a form input. */
export interface PresetField {
  /** The key in the API body and the preset's input, e.g. `clientId` (the CLI flag is `--client-id`). */
  readonly key: string
  readonly label: string
  /** `secret`: a password input, never echoed back. */
  readonly kind: 'text' | 'secret' | 'choice'
  readonly required: boolean
  /** For `choice`: the values offered, the first being the default. */
  readonly choices?: readonly { readonly value: string; readonly label: string }[]
  /** Shown under the field and in the CLI's help. */
  readonly hint: string
}

/**
 * The CLI flag of a field: `--` and its key in kebab case.
 *
 * @example fieldFlag('clientId') // '--client-id'
 */
export function fieldFlag(key: string): string {
  return `--${key.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`)}`
}

/** What the admin UI renders for a preset: no code, only words and fields (GET /api/presets). */
export interface PresetForm {
  /** The button, the heading and the form's accessible name, e.g. "Jira Cloud". */
  readonly title: string
  /** What to do before filling it in. */
  readonly intro: string
  /** What to do once saved (after the list of queries saving adds). */
  readonly next: string
  /** Where the required fields come from, said when one is missing (CLI and API alike). */
  readonly source: string
  /** The name the form suggests. */
  readonly defaultName: string
  readonly fields: readonly PresetField[]
}

/**
 * Where the provider is and where it calls back: the same for every preset, given by the surface —
 * the CLI's `--redirect-uri`, `--scope`, `--auth-url`, `--api-url`, or the server's own callback
 * and configured hosts. Absent values are the preset's defaults.
 */
export interface PresetPlace {
  readonly redirectUri?: string
  readonly scopes?: string
  /** Where the provider's authorization server is (a stand-in such as `quarry sim`). */
  readonly authUrl?: string
  /** Where the provider's API gateway is. */
  readonly apiUrl?: string
}

/** The answer a consent brought: the access token to ask the provider with, the site the user wants. */
export interface PresetGrant {
  readonly accessToken: string
  /** A site's name, URL or id, when the user named one (`--site`, the Connect form). */
  readonly wantedSite: string | undefined
  /** The transport (STYLE 3): the same one the token exchange used. */
  readonly fetch: typeof fetch
}

/** A datasource completed by its preset after consent, and where it now points (for the message). */
export interface PresetCompletion {
  readonly datasource: RestDatasource
  /** The site chosen, stored with the connection; null when the preset has none. */
  readonly site: PresetSite | null
  /** e.g. " to acme (https://acme.atlassian.net)"; empty when there is nothing to say. */
  readonly where: string
}

/** A preset as the registry holds it: its input and block already typed by its own schemas. */
export interface Preset {
  readonly name: string
  /** Whose service it is: the server's host overrides for that provider apply (e.g. `atlassian`: the demo's simulator). */
  readonly provider: string
  /**
   * How long the provider still accepts a refresh token after rotating it (Atlassian: 10 minutes);
   * 0 when it accepts each once or does not say (src/auth/oauth/reuse-grace.ts).
   */
  readonly reuseGraceMs: number
  readonly form: PresetForm
  /**
   * The datasource for `given` (the form's fields, by key); a coded error names the fields that are
   * wrong in the surface's words (`fieldName`: a CLI flag, an API field).
   */
  datasource(
    name: string,
    given: Readonly<Record<string, unknown>>,
    place: PresetPlace,
    fieldName?: (key: string) => string,
  ): RestDatasource
  /** The queries a datasource of this preset comes with. */
  queries(datasource: string): QueryInput[]
  /** Throws a coded error when the datasource's preset block is not one this preset can read (an import, an edit over the API). */
  checkBlock(datasource: RestDatasource): void
  /** After consent: what the preset learns with the new token (e.g. the site, hence the base URL). */
  completeConsent(datasource: RestDatasource, grant: PresetGrant): Promise<PresetCompletion>
}

/** One preset file's parts, typed by its own schemas; `definePreset` makes them a registry member. */
export interface PresetSpec<Input, Block extends PresetBlock> {
  readonly name: string
  readonly provider: string
  /** The provider's refresh token reuse grace; none (0) when absent. */
  readonly reuseGraceMs?: number
  readonly form: PresetForm
  /** The form's fields parsed (strings from the CLI and the form, numbers from API clients alike). */
  readonly input: z.ZodType<Input>
  /** The block stored as the datasource's `preset`. */
  readonly block: z.ZodType<Block>
  datasource(name: string, input: Input, place: PresetPlace): RestDatasource & { preset: Block }
  queries(datasource: string): QueryInput[]
  completeConsent(datasource: RestDatasource, block: Block, grant: PresetGrant): Promise<PresetCompletion>
}

/**
 * A preset file's parts as a registry member: the input and the stored block are parsed with the
 * preset's own schemas at the edge, so its functions receive typed values.
 *
 * @example export const jiraCloud = definePreset({ name: 'jira-cloud', form, input, block, datasource, queries, completeConsent })
 */
export function definePreset<Input, Block extends PresetBlock>(spec: PresetSpec<Input, Block>): Preset {
  return {
    name: spec.name,
    provider: spec.provider,
    reuseGraceMs: spec.reuseGraceMs ?? 0,
    form: spec.form,
    datasource(name, given, place, fieldName = (key) => key) {
      const parsed = spec.input.safeParse(given)
      if (!parsed.success) {
        const lines = parsed.error.issues.map(
          (issue) => `${issue.path.map(String).map(fieldName).join('.') || 'preset'}: ${issue.message}`,
        )
        throw new QuarryError(
          'QUARRY_CONFIG_INVALID',
          `Invalid ${spec.name} datasource "${name}": ${lines.join('; ')}`,
        )
      }
      return spec.datasource(name, parsed.data, place)
    },
    queries: (datasource) => spec.queries(datasource),
    checkBlock(datasource) {
      blockOf(datasource)
    },
    async completeConsent(datasource, grant) {
      return spec.completeConsent(datasource, blockOf(datasource), grant)
    },
  }

  function blockOf(datasource: RestDatasource): Block {
    const block = spec.block.safeParse(datasource.preset)
    if (block.success) return block.data
    const issues = block.error.issues.map((issue) => `${issue.path.join('.') || 'preset'}: ${issue.message}`)
    throw new QuarryError(
      'QUARRY_CONFIG_INVALID',
      `Datasource "${datasource.name}" has a ${spec.name} preset block Quarry cannot read (${issues.join('; ')}); add the datasource again with --preset ${spec.name} (or its quick form).`,
    )
  }
}
