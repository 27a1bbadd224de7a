/*
 * selection.js — the selected row, which the selected bar and the keyboard shortcuts act
 * on: a click on a row, or j/k (↓/↑).
 */

import { renderBoard } from "./board.js";
import { model } from "./model.js";
import { rows } from "./roster.js";

export function select(siteId, { scroll = false } = {}) {
  model.selected = siteId;
  renderBoard();
  const row = siteId === null ? null : rows.get(String(siteId));
  if (row && scroll) row.scrollIntoView({ block: "nearest" });
}

export function moveSelection(step) {
  if (!model.sites.length) return;
  const i = model.sites.findIndex((s) => s.id === model.selected);
  const next = i < 0 ? (step > 0 ? 0 : model.sites.length - 1) : i + step;
  const clamped = Math.max(0, Math.min(model.sites.length - 1, next));
  select(model.sites[clamped].id, { scroll: true });
}
