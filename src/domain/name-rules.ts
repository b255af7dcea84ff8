/**
 * What datasource and query names look like: they appear in paths (/v/NAME), commands and file
 * names. No imports: the admin UI bundles this module (its copy names must fit the same rule).
 */

/** The longest name. */
export const MAX_NAME_LENGTH = 64

/** A letter or digit, then up to MAX_NAME_LENGTH - 1 letters, digits, "_", "." or "-". */
export const NAME_PATTERN = new RegExp(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,${MAX_NAME_LENGTH - 1}}$`)
