import { z } from 'zod'

/** An absolute http(s) URL without user:password in it (credentials have fields of their own, encrypted at rest). */
export const httpUrl = z.string().refine((text) => {
  try {
    const url = new URL(text)
    return (
      (url.protocol === 'http:' || url.protocol === 'https:') && url.username === '' && url.password === ''
    )
  } catch {
    return false
  }
}, 'must be an absolute http(s) URL without user:password')
