import { readFileSync, writeFileSync } from 'node:fs'
import { exportDocument, importDocument, MIN_PASSPHRASE_LENGTH } from '../config-transfer.js'
import { QuarryError } from '../domain/errors.js'
import { withStore, type StoreFlags } from './context.js'
import { hiddenPrompt } from './hidden-prompt.js'

const PASSPHRASE_ENV = 'QUARRY_EXPORT_PASSPHRASE'

/**
 * The passphrase secrets are exported with: QUARRY_EXPORT_PASSPHRASE, else (standard input a
 * terminal) a hidden prompt, typed twice when a typo would lose the export's secrets.
 */
async function passphrase(purpose: string, confirm: boolean): Promise<string> {
  let value = process.env[PASSPHRASE_ENV]
  if (!value && process.stdin.isTTY) {
    value = await hiddenPrompt('Passphrase (not shown): ', process.stdin, process.stderr)
    if (
      confirm &&
      (await hiddenPrompt('The same passphrase again: ', process.stdin, process.stderr)) !== value
    )
      throw new QuarryError('QUARRY_CONFIG_INVALID', 'The two passphrases differ; nothing was exported.')
  }
  if (!value || value.length < MIN_PASSPHRASE_LENGTH) {
    throw new QuarryError(
      'QUARRY_CONFIG_INVALID',
      `${purpose} needs a passphrase of ${MIN_PASSPHRASE_LENGTH} characters or more in ${PASSPHRASE_ENV} (or typed at the prompt on a terminal).`,
    )
  }
  return value
}

export async function exportConfig(
  flags: { output?: string; includeSecrets?: boolean },
  global: StoreFlags,
): Promise<void> {
  const secretPassphrase = flags.includeSecrets ? await passphrase('--include-secrets', true) : undefined
  const document = await withStore(global, (store) => exportDocument(store, secretPassphrase))
  const text = `${JSON.stringify(document, null, 2)}\n`
  if (flags.output) {
    writeFileSync(flags.output, text, { mode: 0o600 })
    console.error(
      `Exported ${document.datasources.length} datasources and ${document.queries.length} queries to ${flags.output}.`,
    )
  } else {
    process.stdout.write(text)
  }
}

export async function importConfig(
  file: string,
  flags: { replace?: boolean; from?: string; dryRun?: boolean },
  global: StoreFlags,
): Promise<void> {
  const from = flags.from ?? 'quarry'
  if (from === 'pocketquery') return importPocketQuery(file, flags, global)
  if (from !== 'quarry')
    throw new QuarryError('QUARRY_CONFIG_INVALID', `--from takes quarry or pocketquery, not "${from}".`)
  if (flags.dryRun) {
    throw new QuarryError(
      'QUARRY_CONFIG_INVALID',
      '--dry-run is for --from pocketquery; a Quarry export is checked whole before anything changes anyway.',
    )
  }
  let raw: unknown
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'))
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message
    throw new QuarryError('QUARRY_CONFIG_INVALID', `Cannot read "${file}" as JSON: ${reason}`)
  }
  const outcome = await withStore(global, (store) =>
    importDocument(store, raw, {
      replace: flags.replace ?? false,
      askPassphrase: () => passphrase('This export holds secrets; importing it', false),
      where: `"${file}"`,
    }),
  )
  console.log(
    `Imported ${outcome.datasources} datasources, ${outcome.converters} converters, ` +
      `${outcome.templates} templates and ${outcome.queries} queries.`,
  )
  if (outcome.dashboards > 0) console.log(`Imported ${outcome.dashboards} dashboards.`)
  if (outcome.lackingSecrets.length > 0) {
    console.log(
      `Without their secrets (the export left them out): ${outcome.lackingSecrets.join(', ')}. Set them with: quarry datasource edit NAME …`,
    )
  }
}

/** `quarry import --from pocketquery FILE [--dry-run] [--replace]`: plans, prints, then (unless a dry run) writes. */
async function importPocketQuery(
  file: string,
  flags: { replace?: boolean; dryRun?: boolean },
  global: StoreFlags,
): Promise<void> {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message
    throw new QuarryError('QUARRY_CONFIG_INVALID', `Cannot read "${file}": ${reason}`)
  }
  const { planPqImport, applyPqImport, formatPqPlan } = await import('../pocketquery/pq-import.js')
  const report = await withStore(global, async (store) => {
    const plan = await planPqImport(store, text, { where: `"${file}"`, replace: flags.replace ?? false })
    if (!flags.dryRun) await applyPqImport(store, plan)
    return formatPqPlan(plan, flags.dryRun ?? false)
  })
  console.log(report)
}
