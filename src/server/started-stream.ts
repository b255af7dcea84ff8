import { Readable } from 'node:stream'

/**
 * A streamed answer's body, its first chunk already read. Read before the answer starts, so that a
 * failure before the first byte (a store that cannot be read, a format's refusal) is answered as its
 * own coded error with a JSON body, not as a stream broken after the headers went out (which Fastify
 * turns into its own 500, or an error typed as the download's media type). A failure after the
 * first chunk can only cut the stream: the client sees a download that did not end.
 *
 * @example
 * return reply.type('application/x-ndjson').send(await startedStream(lines()[Symbol.asyncIterator]()))
 */
export async function startedStream<T extends string | Uint8Array>(
  chunks: AsyncIterator<T>,
): Promise<Readable> {
  const first = await chunks.next()
  let begun = false
  async function* body(): AsyncIterable<T> {
    begun = true
    if (first.done === true) return
    let handedOut = false
    try {
      handedOut = true
      yield first.value
      handedOut = false
      for (let next = await chunks.next(); next.done !== true; next = await chunks.next()) {
        handedOut = true
        yield next.value
        handedOut = false
      }
    } finally {
      // Left at a yield: the client went away and the stream was destroyed. Tell the source to stop,
      // as a for-await loop would (a failed or finished source is not asked).
      if (handedOut) await chunks.return?.()
    }
  }
  const stream = Readable.from(body(), { objectMode: false })
  // Destroyed before its first read (the client left while the first chunk was being made): the body
  // never ran, so its `finally` cannot stop the source.
  stream.once('close', () => {
    if (!begun) Promise.resolve(chunks.return?.()).catch(() => undefined)
  })
  return stream
}
