import type { Command } from 'commander'
import { parseInteger, readFlagFile } from './flags.js'
import type { SecretFlag } from './secret-input.js'

/** The flags that name an SMTP server: an alert's email channel and a subscription's mail server alike. */
export interface SmtpFlags {
  readonly smtpHost?: string
  readonly smtpPort?: string
  readonly smtpTls?: string
  readonly smtpCa?: string
  readonly smtpInsecure?: boolean
  readonly smtpFrom?: string
  readonly smtpUser?: string
  readonly smtpPassword?: string
}

/** The SMTP login: given as env:NAME or - (stdin) it stays out of the shell's history. */
export const SMTP_SECRET_FLAGS: readonly SecretFlag[] = [
  { key: 'smtpUser', flag: '--smtp-user', label: 'SMTP user' },
  { key: 'smtpPassword', flag: '--smtp-password', label: 'SMTP password' },
]

const SMTP_DEFAULT_PORT = 587

/**
 * Adds the --smtp-* options; `prefix` starts each description (`email: ` among an alert's channels).
 *
 * @example smtpOptions(command.command('add <name>'), 'email: ')
 */
export function smtpOptions(sub: Command, prefix = ''): Command {
  return sub
    .option('--smtp-host <host>', `${prefix}the SMTP server`)
    .option('--smtp-port <port>', `${prefix}its port (default ${SMTP_DEFAULT_PORT})`)
    .option('--smtp-tls <mode>', `${prefix}starttls (default, required), tls (implicit, port 465) or none`)
    .option('--smtp-ca <file>', `${prefix}PEM certificates of the server's authority`)
    .option('--smtp-insecure', `${prefix}accept any server certificate (rejectUnauthorized: false)`)
    .option('--smtp-from <address>', `${prefix}the sender`)
    .option('--smtp-user <user>', `${prefix}the login, a secret (env:NAME, or - for stdin)`)
    .option('--smtp-password <password>', `${prefix}the password (env:NAME, or - for stdin)`)
}

/** The server fields the flags give, unparsed (the channel's or subscription's schema checks them). */
export function smtpServerOf(flags: SmtpFlags): Record<string, unknown> {
  return {
    host: flags.smtpHost,
    port: flags.smtpPort === undefined ? SMTP_DEFAULT_PORT : parseInteger('--smtp-port', flags.smtpPort, 1),
    ...(flags.smtpTls === undefined ? {} : { tls: flags.smtpTls }),
    ...(flags.smtpCa === undefined ? {} : { ca: readFlagFile('--smtp-ca', flags.smtpCa) }),
    ...(flags.smtpInsecure === true ? { rejectUnauthorized: false } : {}),
    from: flags.smtpFrom,
    ...(flags.smtpUser === undefined ? {} : { user: flags.smtpUser }),
    ...(flags.smtpPassword === undefined ? {} : { password: flags.smtpPassword }),
  }
}
