// The floor of bench/cli.mjs: the least a Node process does to answer a cached run from Quarry's
// SQLite store — open it, read the query and its datasource by name, hash them (as a cache key
// is made), read the newest unexpired cache entry and write its rows. No CLI framework, no
// validation, no store layer: what Node and SQLite cost before Quarry's own work, to read issue
// 18's line 1 against.
//   node bench/cli-floor.mjs STORE.db QUERY
const { createHash } = process.getBuiltinModule('node:crypto')
const { DatabaseSync } = process.getBuiltinModule('node:sqlite')

const [file, name] = process.argv.slice(2)
const db = new DatabaseSync(file, { readOnly: true })
const query = db.prepare('SELECT * FROM queries WHERE name = ?').get(name)
if (query === undefined) throw new Error(`cli-floor: no query ${name} in ${file}`)
const datasource = db.prepare('SELECT * FROM datasources WHERE name = ?').get(query.datasource)
createHash('sha256')
  .update(JSON.stringify([query, datasource]))
  .digest('base64url')
const entry = db
  .prepare('SELECT value FROM cache WHERE expires_at > ? ORDER BY stored_at DESC LIMIT 1')
  .get(new Date().toISOString())
if (entry === undefined) throw new Error(`cli-floor: no cached entry in ${file}`)
// An entry is its result's head (JSON) and, after the first line break, its rows.
process.stdout.write(`${entry.value.slice(entry.value.indexOf('\n') + 1)}\n`)
db.close()
