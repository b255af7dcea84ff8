import type { ChildProcess } from 'node:child_process'

/** A loopback port free right now (for a server whose URL must be known before it starts). */
export function freePort(): Promise<number>

/** A `quarry serve` process of its own (the built CLI), on a free loopback port. */
export interface QuarryServer {
  readonly child: ChildProcess
  readonly port: number
  readonly url: string
  /** The output lines `keep` chose. */
  log: string
}

/** Starts `quarry serve` on `databaseUrl` and resolves once it listens. */
export function serveQuarry(options: {
  databaseUrl: string
  dataDir: string
  secretKey: string
  /** `--quiet` (no request log); default true. */
  quiet?: boolean
  /** Which output lines go into `log`; none by default. */
  keep?: (line: string) => boolean
  /** Copy the output to stderr. */
  echo?: boolean
}): Promise<QuarryServer>

/** Stops a process (SIGTERM, or `signal`; SIGKILL after `killAfterMs`) and waits for it to exit. */
export function stopProcess(child: ChildProcess, signal?: NodeJS.Signals, killAfterMs?: number): Promise<void>
