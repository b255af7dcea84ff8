import { z } from 'zod'

/** What datasource and query names look like: they appear in paths (/v/NAME), commands and file names. */
export const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/

/** A datasource or query name. */
export const nameSchema = z
  .string()
  .regex(NAME_PATTERN, 'names are 1–64 letters, digits, "_", "." or "-", starting with a letter or digit')
