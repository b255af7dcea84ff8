import type { VersionedKind } from '../domain/audit.js'
import { diffObjectVersions, listVersions, revertObject } from '../store/index.js'
import { withStore, type StoreFlags } from './context.js'
import { parseInteger } from './flags.js'

export async function listVersionsCommand(
  kind: VersionedKind,
  name: string,
  flags: { readonly json?: boolean },
  global: StoreFlags,
): Promise<void> {
  const versions = await withStore(global, (store) => listVersions(store, kind, name))
  if (flags.json) {
    console.log(JSON.stringify(versions, null, 2))
    return
  }
  if (versions.length === 0) console.log(`The ${kind} "${name}" has no saved versions yet.`)
  for (const version of versions) console.log(`v${version.version}  ${version.at}  ${version.actorName}`)
}

export async function diffVersionsCommand(
  kind: VersionedKind,
  name: string,
  from: string,
  to: string,
  global: StoreFlags,
): Promise<void> {
  const a = parseInteger('<from>', from.replace(/^v/, ''), 1)
  const b = parseInteger('<to>', to.replace(/^v/, ''), 1)
  const { patch } = await withStore(global, (store) => diffObjectVersions(store, kind, name, a, b))
  process.stdout.write(patch)
}

export async function revertCommand(
  kind: VersionedKind,
  name: string,
  version: string,
  global: StoreFlags,
): Promise<void> {
  const wanted = parseInteger('<version>', version.replace(/^v/, ''), 1)
  const { version: saved, affected } = await withStore(global, (store) =>
    revertObject(store, kind, name, wanted),
  )
  const users = kind === 'query' || affected.length === 0 ? '' : `; it changes for: ${affected.join(', ')}`
  console.log(`Reverted ${kind} "${name}" to version ${wanted}, saved as version ${saved.version}${users}.`)
}
