import { describe, expect, it } from 'vitest'
import { startedStream } from '../../src/server/started-stream.js'

/**
 * A streamed answer reads its first chunk before the answer starts (src/server/started-stream.ts): a
 * failure then is the route's coded error; later, the stream passes chunks on and, when its reader
 * leaves early, stops its source.
 */

async function text(stream: AsyncIterable<unknown>): Promise<string> {
  let all = ''
  for await (const chunk of stream) all += String(chunk)
  return all
}

describe('startedStream', () => {
  it('fails before the answer starts when the source fails before its first chunk', async () => {
    async function* failing(): AsyncGenerator<string> {
      yield* []
      throw new Error('the store did not answer')
    }
    await expect(startedStream(failing())).rejects.toThrow('the store did not answer')
  })

  it('passes every chunk on in order, the first included, and an empty source as an empty body', async () => {
    async function* lines(): AsyncGenerator<string> {
      for (const line of ['a\n', 'b\n', 'c\n']) yield line
    }
    async function* none(): AsyncGenerator<string> {}
    expect(await text(await startedStream(lines()))).toBe('a\nb\nc\n')
    expect(await text(await startedStream(none()))).toBe('')
  })

  it('stops its source when the stream is destroyed before the end (a client gone mid-download)', async () => {
    let produced = 0
    let stopped = false
    async function* endless(): AsyncGenerator<string> {
      try {
        for (;;) yield `line ${++produced}\n`
      } finally {
        stopped = true
      }
    }
    const stream = await startedStream(endless())
    for await (const _chunk of stream) if (produced >= 3) break
    expect(stopped).toBe(true)
    expect(produced).toBeLessThan(100)
  })

  it('stops its source when the stream is destroyed before its first read (a client gone at once)', async () => {
    let stopped = false
    async function* lines(): AsyncGenerator<string> {
      try {
        for (;;) yield 'line\n'
      } finally {
        stopped = true
      }
    }
    const stream = await startedStream(lines())
    stream.destroy()
    await new Promise((resolve) => stream.once('close', resolve))
    await expect.poll(() => stopped).toBe(true)
  })
})
