import { z } from 'zod'
import { MAX_NAME_LENGTH, NAME_PATTERN } from './name-rules.js'

export { MAX_NAME_LENGTH, NAME_PATTERN } from './name-rules.js'

/** A datasource or query name. */
export const nameSchema = z
  .string()
  .regex(
    NAME_PATTERN,
    `names are 1–${MAX_NAME_LENGTH} letters, digits, "_", "." or "-", starting with a letter or digit`,
  )
