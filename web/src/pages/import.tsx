import { useState, type ChangeEvent } from 'react'
import { api, messageOf, type PqImportResponse, type PqPlanEntry } from '../api.js'
import { ErrorMessage } from '../components/error-message.js'

/** Files larger than the server takes (POST /api/import/pocketquery) are refused here already. */
const MAX_BYTES = 20 * 1024 * 1024

/**
 * Import (admin): a PocketQuery export (JSON from Cloud, XML from Server/Data Center), as
 * `quarry import --from pocketquery` does — first checked (a dry run that lists what would be
 * created, renamed or skipped and why), then imported in one go.
 */
export function ImportPage() {
  const [file, setFile] = useState<{ name: string; text: string } | null>(null)
  const [replace, setReplace] = useState(false)
  const [result, setResult] = useState<PqImportResponse | null>(null)
  const [error, setError] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)

  const choose = async (event: ChangeEvent<HTMLInputElement>) => {
    setResult(null)
    setError(null)
    const chosen = event.target.files?.[0]
    if (!chosen) return setFile(null)
    if (chosen.size > MAX_BYTES) {
      setFile(null)
      return setError(`${chosen.name} is larger than 20 MB.`)
    }
    setFile({ name: chosen.name, text: await chosen.text() })
  }
  const send = async (dryRun: boolean) => {
    if (!file) return
    setBusy(true)
    setError(null)
    try {
      setResult(await api.importPocketQuery({ text: file.text, dryRun, replace }))
    } catch (failure) {
      setResult(null)
      setError(messageOf(failure))
    } finally {
      setBusy(false)
    }
  }

  return (
    <section>
      <h1>Import from PocketQuery</h1>
      <p>
        Choose a PocketQuery export: the JSON file of PocketQuery for Confluence Cloud, or the XML file of
        Server/Data Center. <strong>Check</strong> shows what would be created, renamed or skipped and why,
        without changing anything; <strong>Import</strong> brings everything over in one go, or nothing when
        an entry is wrong. Passwords, client secrets and tokens are stored encrypted and never shown.
      </p>
      <div className="panel">
        <label className="field">
          <span>PocketQuery export file</span>
          <input type="file" accept=".json,.xml,application/json,text/xml" onChange={(e) => void choose(e)} />
        </label>
        <label className="field checkbox">
          <input type="checkbox" checked={replace} onChange={(e) => setReplace(e.target.checked)} /> Replace
          datasources and queries of the same name (otherwise they are imported under a new name)
        </label>
        <div className="actions">
          <button type="button" disabled={!file || busy} onClick={() => void send(true)}>
            Check
          </button>
          <button type="button" className="primary" disabled={!file || busy} onClick={() => void send(false)}>
            Import
          </button>
        </div>
      </div>
      <ErrorMessage message={error} />
      {result && <Outcome result={result} />}
    </section>
  )
}

const VERB: Record<PqPlanEntry['action'], [dry: string, done: string]> = {
  create: ['Would create', 'Created'],
  replace: ['Would replace', 'Replaced'],
  skip: ['Would skip', 'Skipped'],
}

function Outcome({ result }: { result: PqImportResponse }) {
  return (
    <div role="status" aria-label="Import result">
      <h2>{result.imported ? 'Imported' : 'What the import would do (nothing was changed)'}</h2>
      <ul className="import-entries">
        {result.entries.map((entry, i) => (
          <li key={i} data-action={entry.action}>
            {VERB[entry.action][result.imported ? 1 : 0]} {entry.kind} “{entry.source}”
            {entry.name && entry.name !== entry.source && (
              <>
                {' '}
                as <code>{entry.name}</code>
              </>
            )}
            : {entry.detail}
            {(entry.renamed !== undefined || entry.notices.length > 0) && (
              <ul>
                {entry.renamed && <li>Renamed: {entry.renamed}</li>}
                {entry.notices.map((notice) => (
                  <li key={notice}>{notice}</li>
                ))}
              </ul>
            )}
          </li>
        ))}
        {result.notices.map((notice) => (
          <li key={notice}>{notice}</li>
        ))}
      </ul>
    </div>
  )
}
