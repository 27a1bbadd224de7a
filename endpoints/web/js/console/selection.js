/*
 * selection.js — the selected row, which the selected bar and the keyboard shortcuts act
 * on: a click on a row, or j/k (↓/↑).
 */

import { renderBoard } from "./board.js";
import { model } from "./model.js";
import { rows, shownOrder } from "./roster.js";

export function select(siteId, { scroll = false } = {}) {
  model.selected = siteId;
  renderBoard();
  const row = siteId === null ? null : rows.get(String(siteId));
  if (row && scroll) row.scrollIntoView({ block: "nearest" });
}

/* Down or up the rows as the board shows them (sorted, filtered). */
export function moveSelection(step) {
  const order = shownOrder;
  if (!order.length) return;
  const i = order.indexOf(model.selected);
  const next = i < 0 ? (step > 0 ? 0 : order.length - 1) : i + step;
  const clamped = Math.max(0, Math.min(order.length - 1, next));
  select(order[clamped], { scroll: true });
}
