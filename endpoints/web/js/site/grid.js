/*
 * grid.js — replaced by the grid module (display.layout "grid": a second, receive-only peer
 * drawing one cell per site). Until it lands, a stub: profile.js calls setLayout whenever
 * display.layout or display.grid_sites change.
 */

export function setLayout(layout, gridSites) {}
