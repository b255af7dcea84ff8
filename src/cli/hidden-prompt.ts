import { QuarryError } from '../domain/errors.js'

/** A terminal we can read keys from one at a time: process.stdin when it is a TTY. */
export interface KeyInput extends NodeJS.ReadableStream {
  readonly isTTY?: boolean
  setRawMode?(mode: boolean): unknown
}

const ENTER = new Set(['\r', '\n'])
const ERASE = new Set(['\u007f', '\b'])
const CTRL_C = '\u0003'
const CTRL_D = '\u0004'
const CTRL_U = '\u0015'

/**
 * Asks `question` on `output` and reads one line from the terminal `input` without echoing it:
 * the terminal is put in raw mode (no echo, keys one at a time) and restored however the prompt
 * ends. Backspace erases, Ctrl-U clears the line, Ctrl-C interrupts (as it would the command),
 * Ctrl-D on an empty line cancels.
 *
 * @example const token = await hiddenPrompt('Token (hidden): ', process.stdin, process.stderr)
 */
export function hiddenPrompt(
  question: string,
  input: KeyInput,
  output: NodeJS.WritableStream,
): Promise<string> {
  if (!input.isTTY || !input.setRawMode)
    throw new QuarryError('QUARRY_CONFIG_INVALID', 'A hidden prompt needs a terminal on standard input.')
  const raw = input.setRawMode.bind(input)
  // Echo off before the question shows: keys typed as soon as it appears must not be echoed.
  raw(true)
  output.write(question)
  input.setEncoding('utf8')
  input.resume()
  return new Promise((resolve, reject) => {
    let typed: string[] = []
    const finish = () => {
      input.off('data', onData)
      raw(false)
      input.pause()
      output.write('\n')
    }
    const onData = (chunk: string | Buffer) => {
      for (const key of String(chunk)) {
        if (ENTER.has(key)) {
          finish()
          resolve(typed.join(''))
          return
        }
        if (key === CTRL_C) {
          finish()
          // What Ctrl-C does to any command: the terminal is back to normal first.
          process.kill(process.pid, 'SIGINT')
          return
        }
        if (key === CTRL_D && typed.length === 0) {
          finish()
          reject(
            new QuarryError(
              'QUARRY_CONFIG_INVALID',
              `Nothing was typed at "${question.trim()}"; nothing was changed.`,
            ),
          )
          return
        }
        if (ERASE.has(key)) typed = typed.slice(0, -1)
        else if (key === CTRL_U) typed = []
        else if (key >= ' ') typed.push(key)
      }
    }
    input.on('data', onData)
  })
}
