// The floor of bench/sql.mjs: the least a Node process does to turn one SELECT's rows into CSV with
// the driver Quarry uses (pg, mysql2): one query, each row as it arrives as an array of the driver's
// text, CSV written in 64 KB chunks; no store, no type conversion, no limits. What Node and the
// driver cost before any of Quarry's own work, to read issue 18's line 2 against.
//   node bench/sql-floor.mjs postgres|mysql URL "SELECT …"
import mysql from 'mysql2'
import pg from 'pg'

const [kind, url, select] = process.argv.slice(2)

/** A CSV field: quoted when it holds a comma, a quote or a line break; NULL as nothing. */
const field = (value) => {
  if (value === null) return ''
  const text = String(value)
  return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text
}

let chunk = ''
const line = (values) => {
  chunk += `${values.map(field).join(',')}\n`
  if (chunk.length >= 65536) flush()
}
const flush = () => {
  process.stdout.write(chunk)
  chunk = ''
}

/** Calls `header` with the column names, then `row` with each row as it arrives; resolves at the end. */
function stream(header, row) {
  if (kind === 'postgres') {
    const client = new pg.Client({ connectionString: url })
    const asText = { getTypeParser: () => (value) => value }
    // A row listener and no callback: pg hands each row over and keeps none.
    const query = new pg.Query({ text: select, rowMode: 'array', types: asText })
    // pg names the columns with each row (no event of their own): the first row brings the header.
    let named = false
    query.on('row', (values, result) => {
      if (!named) header(result.fields.map((column) => column.name))
      named = true
      row(values)
    })
    return client
      .connect()
      .then(
        () =>
          new Promise((resolve, reject) => {
            query.on('end', resolve)
            query.on('error', reject)
            client.query(query)
          }),
      )
      .finally(() => client.end())
  }
  if (kind === 'mysql') {
    const connection = mysql.createConnection({
      uri: url,
      dateStrings: true,
      supportBigNumbers: true,
      bigNumberStrings: true,
    })
    return new Promise((resolve, reject) => {
      connection
        .query({ sql: select, rowsAsArray: true })
        .on('fields', (fields) => header(fields.map((column) => column.name)))
        .on('result', row)
        .on('error', reject)
        .on('end', resolve)
    }).finally(() => connection.end())
  }
  return Promise.reject(new Error(`sql-floor: unknown kind ${kind} (postgres or mysql)`))
}

await stream(line, line)
flush()
