/*
 * grid-shape.js — how many extra pictures a layout draws and how the screen is cut for
 * them (pure; the bridge's rule is bridge/conference/grid.py, site.css draws the shapes).
 *
 *   full   no extra picture
 *   inset  one: the host, in the bottom-right corner over the shown site
 *   grid   grid_sites − 1 cells (2–9 sites: 1–8 cells) around the large picture:
 *            1–3 cells  "side":  the large one 2/3 wide, the cells stacked on the right
 *            4–5 cells  "three": 3×3, the large one 2×2 top left, the cells right and below
 *            6–8 cells  "four":  4 columns × 3 rows, the large one 2×2 top left
 */

export const MAX_CELLS = 8;
export const LAYOUTS = ["full", "inset", "grid"];

/** The number of cells `layout` draws with `gridSites` sites (bounded). */
export function cellCount(layout, gridSites) {
  if (layout === "inset") return 1;
  if (layout !== "grid") return 0;
  const sites = Number.isInteger(gridSites) ? gridSites : 4;
  return Math.max(1, Math.min(MAX_CELLS, sites - 1));
}

/** The name of the grid's shape for `cells` cells (site.css: body[data-grid-shape]). */
export function gridShape(cells) {
  if (cells <= 3) return "side";
  if (cells <= 5) return "three";
  return "four";
}

/** A layout the page can draw: unknown values fall back to the plain full screen. */
export function normalLayout(layout) {
  return LAYOUTS.includes(layout) ? layout : "full";
}
