import { shown, text, type Mapped } from './pq-fields.js'

/**
 * A PocketQuery JDBC datasource (PostgreSQL, MySQL 5/8, MariaDB) → a Quarry SQL datasource. The JDBC
 * URL forms are the ones https://help.livelyapps.com/pocketquery-for-confluence-cloud/datasources
 * gives, e.g. `jdbc:postgresql://100.1.2.3:5432/database`.
 */

/**
 * Maps one JDBC datasource's URL, username and password; problems instead when the URL is not one.
 *
 * @example mapJdbc({ url: 'jdbc:postgresql://db:5432/sales', username: 'r' }, 'sales', 'JDBC_POSTGRESQL') // { datasource: { type: 'postgres', host: 'db', port: 5432, database: 'sales', user: 'r' }, … }
 */
export function mapJdbc(
  f: Readonly<Record<string, unknown>>,
  name: string,
  type: string,
): Mapped | { problems: string[] } {
  const url = text(f.url)
  // jdbc:postgresql://host:5432/db?opts, jdbc:mysql://…, jdbc:mariadb://… (the datasources page's examples).
  const match = url
    ? /^jdbc:(postgresql|mysql|mariadb):\/\/([^/?;]+)(\/[^?;]*)?(?:[?;](.*))?$/.exec(url)
    : null
  if (!url || !match) {
    return {
      problems: [
        `datasource "${name}": "${shown(url ?? '')}" is not a jdbc:postgresql://, jdbc:mysql:// or jdbc:mariadb:// URL.`,
      ],
    }
  }
  const [, scheme, authority, path = '', options] = match as unknown as [
    string,
    string,
    string,
    string?,
    string?,
  ]
  const notices: string[] = []
  if (options) {
    notices.push(
      `JDBC URL options are not carried over (${options
        .split(/[&;]/)
        .map((pair) => pair.split('=')[0])
        .filter(Boolean)
        .join(', ')}): set TLS and limits on the Quarry datasource.`,
    )
  }
  if (authority.includes('@')) {
    return {
      problems: [
        `datasource "${name}": a JDBC URL with user:password in it; give them as username and password.`,
      ],
    }
  }
  // host:port and the database as fields (not a URL): the user then travels with them to the driver.
  const hostPort = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(authority)
  const database = decodeURIComponent(path.replace(/^\//, ''))
  if (!hostPort || database === '')
    return { problems: [`datasource "${name}": "${shown(url)}" names no host or no database.`] }
  const username = text(f.username)
  const password = typeof f.password === 'string' && f.password !== '' ? f.password : undefined
  const postgres = type === 'JDBC_POSTGRESQL'
  return {
    datasource: {
      name,
      type: postgres ? 'postgres' : 'mysql',
      host: (hostPort[1] as string).replace(/^\[|\]$/g, ''),
      ...(hostPort[2] ? { port: Number(hostPort[2]) } : {}),
      database,
      ...(username ? { user: username } : {}),
      ...(password !== undefined ? { password } : {}),
    },
    summary: `${postgres ? 'PostgreSQL' : scheme === 'mariadb' ? 'MariaDB' : 'MySQL'} at ${authority}${path} (read-only)`,
    notices,
  }
}
