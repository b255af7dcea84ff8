import { spawn } from 'node:child_process'

/**
 * One fenced code block of a markdown document. Its info string is `LANG FLAGS`: FLAGS are words
 * (`converter`, `input`, `rows`, `output`, `schema=NAME`), or `no-run: REASON` for a block this
 * machine cannot run (the reason is required and is listed by the test).
 */
export interface DocBlock {
  /** The document's path, relative to the repository (`docs/guide/getting-started.md`). */
  readonly file: string
  /** The line of the opening fence, 1-based. */
  readonly line: number
  /** The language word of the info string ('' when there is none). */
  readonly lang: string
  readonly flags: readonly string[]
  /** The reason after `no-run:`; undefined when the block runs. */
  readonly noRun: string | undefined
  readonly body: string
}

/**
 * Every fenced block of `text` (``` fences at the start of a line; an indented fence inside a list
 * item counts too), in order.
 *
 * @example fencedBlocks('docs/a.md', '```sh\necho hi\n```\n') // [{ lang: 'sh', body: 'echo hi\n', … }]
 */
export function fencedBlocks(file: string, text: string): DocBlock[] {
  const lines = text.split('\n')
  const blocks: DocBlock[] = []
  for (let at = 0; at < lines.length; at++) {
    const open = /^(\s*)```(.*)$/.exec(lines[at] as string)
    if (!open) continue
    const indent = (open[1] as string).length
    const info = (open[2] as string).trim()
    const body: string[] = []
    let end = at + 1
    while (end < lines.length && !/^\s*```\s*$/.test(lines[end] as string)) {
      body.push((lines[end] as string).slice(indent))
      end++
    }
    if (end >= lines.length) throw new Error(`${file}:${at + 1}: a code block is never closed`)
    const noRunAt = info.indexOf('no-run')
    const head = noRunAt < 0 ? info : info.slice(0, noRunAt).trim()
    const [lang = '', ...flags] = head.split(/\s+/).filter(Boolean)
    const reason =
      noRunAt < 0
        ? undefined
        : info
            .slice(noRunAt + 'no-run'.length)
            .replace(/^:/, '')
            .trim()
    blocks.push({ file, line: at + 1, lang, flags, noRun: reason, body: body.map((l) => `${l}\n`).join('') })
    at = end
  }
  return blocks
}

/** What a bash script left: its exit code and its standard output and error, interleaved. */
export interface BashRun {
  readonly code: number | null
  readonly out: string
  /** The script's process group: still there when it left something running in the background. */
  readonly group: number
}

/**
 * Runs `script` with bash in its own process group; resolves when bash exits. With `keep`, what the
 * script started in the background keeps running (the caller stops it with `stopGroup`); without,
 * the group is stopped at once.
 *
 * @example const { code, out } = await runBash('set -e\necho hi', { cwd: dir })
 */
export function runBash(
  script: string,
  options: { readonly cwd: string | URL; readonly env?: NodeJS.ProcessEnv; readonly keep?: boolean },
): Promise<BashRun> {
  return new Promise((resolve) => {
    const child = spawn('bash', ['-c', script], {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    })
    let out = ''
    child.stdout.on('data', (chunk) => (out += chunk))
    child.stderr.on('data', (chunk) => (out += chunk))
    // 'exit' can come before the last output is read from the pipes (CI lost a block's final lines
    // under load): wait for both to end, or at most a second when something the script left in the
    // background holds them open.
    const ended = (stream: NodeJS.ReadableStream & { readableEnded: boolean }) =>
      new Promise<void>((done) => (stream.readableEnded ? done() : stream.once('end', () => done())))
    child.on('exit', (code) => {
      const group = child.pid as number
      let grace: NodeJS.Timeout | undefined
      void Promise.race([
        Promise.all([ended(child.stdout), ended(child.stderr)]),
        new Promise((done) => (grace = setTimeout(done, 1000))),
      ]).then(() => {
        clearTimeout(grace)
        if (!options.keep) stopGroup(group)
        resolve({ code, out, group })
      })
    })
  })
}

/** Stops a process group runBash started (nothing when it is gone). */
export function stopGroup(group: number): void {
  try {
    process.kill(-group, 'SIGTERM')
  } catch {
    // the group is gone already
  }
}
