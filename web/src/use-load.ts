import { useCallback, useEffect, useState } from 'react'
import { messageOf } from './api.js'

export interface Loaded<T> {
  data: T | undefined
  error: string | null
  reload: () => void
}

/**
 * Loads `load()` on mount (and when `key` changes); `reload()` loads again.
 *
 * @example const { data, error, reload } = useLoad(api.users)
 */
export function useLoad<T>(load: () => Promise<T>, key = ''): Loaded<T> {
  const [data, setData] = useState<T>()
  const [error, setError] = useState<string | null>(null)
  const [generation, setGeneration] = useState(0)
  // `load` is usually an inline arrow: the key, not its identity, says when to load again.
  const run = useCallback(load, [key])
  useEffect(() => {
    let current = true
    run().then(
      (value) => {
        if (!current) return
        setData(value)
        setError(null)
      },
      (failure: unknown) => {
        if (current) setError(messageOf(failure))
      },
    )
    return () => {
      current = false
    }
  }, [run, generation])
  const reload = useCallback(() => setGeneration((n) => n + 1), [])
  return { data, error, reload }
}
