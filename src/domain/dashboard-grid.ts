/*
 * A dashboard's grid (issue 17), without zod: the admin UI's grid editor bundles these values.
 */

/** The grid is twelve columns wide, as in most dashboard tools: halves, thirds and quarters fit. */
export const DASHBOARD_COLUMNS = 12
/** How far down a panel may start, and how many rows it may span (one row is about 120 px). */
export const DASHBOARD_MAX_ROW = 60
export const PANEL_MAX_HEIGHT = 12
export const MAX_PANELS = 40

/**
 * The first free place for a new panel: below everything, at the left.
 *
 * @example nextPanelPlace([{ y: 0, height: 3 }]) // { x: 0, y: 3 }
 */
export function nextPanelPlace(panels: readonly { readonly y: number; readonly height: number }[]): {
  x: number
  y: number
} {
  return { x: 0, y: Math.min(DASHBOARD_MAX_ROW, Math.max(0, ...panels.map((p) => p.y + p.height))) }
}
