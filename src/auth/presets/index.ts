import type { Datasource, RestDatasource } from '../../domain/datasource.js'
import { QuarryError } from '../../domain/errors.js'
import { confluenceCloud } from './confluence-cloud.js'
import { entra } from './entra.js'
import { github } from './github.js'
import { gitlab } from './gitlab.js'
import { google } from './google.js'
import { jiraCloud } from './jira-cloud.js'
import type { Preset } from './preset.js'

/**
 * The presets, by name: the CLI's `--preset`, the server's /api/presets and the admin UI's quick
 * forms all iterate this list. A new preset is a file shaped like jira-cloud.ts and one line here.
 */
const presets = new Map<string, Preset>(
  [jiraCloud, confluenceCloud, github, google, entra, gitlab].map((p) => [p.name, p]),
)

export type { Preset, PresetField, PresetForm, PresetPlace } from './preset.js'

/** Every registered preset, in registration order. */
export function allPresets(): readonly Preset[] {
  return [...presets.values()]
}

/**
 * The preset with this name; a coded error lists the ones there are.
 *
 * @example presetNamed('jira-cloud').form.title // 'Jira Cloud'
 */
export function presetNamed(name: string): Preset {
  const preset = presets.get(name)
  if (preset === undefined) {
    throw new QuarryError(
      'QUARRY_CONFIG_INVALID',
      `There is no preset "${name}"; the presets are ${[...presets.keys()].join(', ')}.`,
    )
  }
  return preset
}

/** The preset a datasource was made from, if any. */
export function presetOf(datasource: RestDatasource): Preset | undefined {
  return datasource.preset === undefined ? undefined : presetNamed(datasource.preset.name)
}

/**
 * Checks a datasource's preset block with its preset's own schema, where a datasource comes in
 * whole (an import, the API): the domain schema knows only what every preset block shares.
 *
 * @example checkPreset(datasource) // throws QUARRY_CONFIG_INVALID for { preset: { name: 'jira-cloud' } } without apiUrl
 */
export function checkPreset(datasource: Datasource): void {
  if (datasource.type === 'rest' && datasource.preset !== undefined)
    presetNamed(datasource.preset.name).checkBlock(datasource)
}

/**
 * Adds a preset from outside this list (a test's dummy, a plugin); the returned function removes it.
 *
 * @example const remove = registerPreset(dummy); … ; remove()
 */
export function registerPreset(preset: Preset): () => void {
  if (presets.has(preset.name)) throw new TypeError(`a preset named "${preset.name}" is registered already`)
  presets.set(preset.name, preset)
  return () => presets.delete(preset.name)
}
