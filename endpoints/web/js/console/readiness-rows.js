/*
 * readiness-rows.js — the readiness board's rows, pure (no DOM, no catalogue): a row from
 * the bridge normalised, a `readiness` message merged in, the counts per state, the sort.
 *
 * A board row (docs/connection-tests.md, "Readiness board"; GET /api/sessions/{id}/readiness
 * and the WS `readiness` message): {site_id, name, level, position, state, at, source,
 * figures, reasons, unmeasured, trend}. `state` is one of STATES; anything else (a newer
 * bridge's word) reads as not tested, never as ready.
 *
 * The default order is by state, most severe first — not ready, warning, testing, not
 * tested, ready — so the provinces the centre must call are on top; then the roster's order.
 * A figure's sort puts the worst first on the first click (the highest round trip, the
 * lowest bitrate…); rows without that figure always come last, whichever the direction.
 */

import { LEVEL_RANK, UNIT_RANK, levelOf, parseHallName } from "./names.js";

/** The states in severity order: the board's default order and the counts' order. */
export const STATES = ["not_ready", "warning", "testing", "not_tested", "ready"];
const STATE_RANK = Object.fromEntries(STATES.map((s, i) => [s, i]));

const collator = new Intl.Collator("vi", { sensitivity: "base", numeric: true });
const num = (value) => (typeof value === "number" && Number.isFinite(value) ? value : null);
const fig = (row, field) => (row.figures ? num(row.figures[field]) : null);
const worse = (a, b) =>
  a === null && b === null ? null : Math.max(a ?? -Infinity, b ?? -Infinity);

/* The loudspeaker loop as a rank: not heard (false) is worst, could not verify (null,
 * measured or not) next, heard last. */
const speakerRank = (row) => {
  if (!row.figures) return null;
  const v = row.figures.speaker_loop_verified;
  return v === false ? 0 : v === true ? 2 : 1;
};

/**
 * The sorts: `value(row)` (a number or string; null: no figure) and the direction of the
 * first click (`first`: "asc" | "desc", the worst first).
 */
export const SORTS = {
  state: { value: (r) => STATE_RANK[r.state], first: "asc" },
  position: { value: (r) => num(r.position), first: "asc" },
  level: {
    value: (r) =>
      (LEVEL_RANK[levelOf(r)] ?? 9) * 100 + (UNIT_RANK[parseHallName(r.name).unit] ?? 99),
    first: "asc",
  },
  name: { value: (r) => parseHallName(r.name).display, first: "asc" },
  // the oldest test first: the hall whose answer is the most out of date
  at: { value: (r) => (r.at ? Date.parse(r.at) || null : null), first: "asc" },
  rtt: { value: (r) => fig(r, "rtt_ms"), first: "desc" },
  loss: { value: (r) => worse(fig(r, "loss_in_pct"), fig(r, "loss_out_pct")), first: "desc" },
  jitter: { value: (r) => worse(fig(r, "jitter_in_ms"), fig(r, "jitter_out_ms")), first: "desc" },
  // the bitrate against what the profile needs (a share), else the bare figure
  uplink: { value: (r) => share(r, "uplink_kbps"), first: "asc" },
  downlink: { value: (r) => share(r, "downlink_kbps"), first: "asc" },
  mic: { value: (r) => fig(r, "mic_level_db"), first: "asc" },
  speaker: { value: speakerRank, first: "asc" },
  mos: { value: (r) => fig(r, "mos"), first: "asc" },
};
export const SORT_KEYS = Object.keys(SORTS);
export const DEFAULT_SORT = Object.freeze({ key: "state", dir: "asc" });

function share(row, field) {
  const value = fig(row, field);
  const needed = fig(row, "needed_kbps");
  if (value === null) return null;
  return needed ? value / needed : value;
}

/** A row as the board keeps it: every field present, `state` one of STATES. */
export function normalizeRow(raw) {
  const row = { ...raw };
  row.site_id = Number(raw.site_id);
  row.name = String(raw.name ?? `#${row.site_id}`);
  row.state = STATES.includes(raw.state) ? raw.state : "not_tested";
  row.at = raw.at || null;
  row.source = raw.source || null;
  row.figures = raw.figures && typeof raw.figures === "object" ? raw.figures : null;
  row.reasons = Array.isArray(raw.reasons) ? raw.reasons : [];
  row.unmeasured = Array.isArray(raw.unmeasured) ? raw.unmeasured : [];
  row.trend = Array.isArray(raw.trend) ? raw.trend : [];
  return row;
}

/**
 * `mergeRows(rows, incoming)` → `{rows, changed}`: a new Map (site id → row) with each
 * incoming row over the one it replaces (a field the message leaves out keeps its value),
 * and the ids whose row changed. A row without a site id is dropped.
 */
export function mergeRows(rows, incoming) {
  const out = new Map(rows);
  const changed = [];
  for (const raw of Array.isArray(incoming) ? incoming : []) {
    if (!raw || !Number.isSafeInteger(Number(raw.site_id))) continue;
    const id = Number(raw.site_id);
    const before = out.get(id);
    const row = normalizeRow(before ? { ...before, ...raw } : raw);
    if (before && JSON.stringify(before) === JSON.stringify(row)) continue;
    out.set(id, row);
    changed.push(id);
  }
  return { rows: out, changed };
}

/** The counts above the board, every state present (0 when none). */
export function countStates(rows) {
  const counts = Object.fromEntries(STATES.map((s) => [s, 0]));
  for (const row of rows) counts[STATES.includes(row.state) ? row.state : "not_tested"] += 1;
  return { ...counts, total: [...rows].length };
}

/** The sort after a click on `key`'s header: the other direction on the same header, else
 * that header's worst-first direction. */
export function nextSort(current, key) {
  if (!SORTS[key]) return current;
  if (current && current.key === key) return { key, dir: current.dir === "asc" ? "desc" : "asc" };
  return { key, dir: SORTS[key].first };
}

/** "rtt:desc" ↔ {key, dir}: the sort as localStorage keeps it; anything else: the default. */
export function parseSort(text) {
  const [key, dir] = String(text ?? "").split(":");
  if (SORTS[key] && (dir === "asc" || dir === "desc")) return { key, dir };
  return { ...DEFAULT_SORT };
}
export const formatSort = (sort) => `${sort.key}:${sort.dir}`;

/**
 * `sortRows(rows, {key, dir})` → a new array. Rows without the figure come last in either
 * direction; equal rows by state severity, then roster position, then site id.
 */
export function sortRows(rows, sort = DEFAULT_SORT) {
  const { key, dir } = SORTS[sort && sort.key] ? sort : DEFAULT_SORT;
  const value = SORTS[key].value;
  const sign = dir === "desc" ? -1 : 1;
  const keyed = [...rows].map((row) => ({ row, v: value(row) }));
  const tie = (a, b) =>
    STATE_RANK[a.state] - STATE_RANK[b.state] ||
    (num(a.position) ?? Infinity) - (num(b.position) ?? Infinity) ||
    a.site_id - b.site_id;
  keyed.sort((a, b) => {
    const missing = (a.v === null) - (b.v === null);
    if (missing) return missing;
    if (a.v !== null && a.v !== b.v) {
      const c = typeof a.v === "string" ? collator.compare(a.v, b.v) : a.v - b.v;
      if (c) return sign * c;
    }
    return tie(a.row, b.row);
  });
  return keyed.map((k) => k.row);
}

/** The reason the board shows on the row: the most severe (the bridge lists them most
 * severe first; a not-ready one wins all the same), or null. */
export function worstReason(row) {
  const reasons = row && Array.isArray(row.reasons) ? row.reasons : [];
  return reasons.find((r) => r && r.severity === "not_ready") || reasons[0] || null;
}

/** The trend oldest first (left to right on the board; the bridge sends newest first). */
export function trendOldestFirst(row) {
  return (row && Array.isArray(row.trend) ? row.trend : []).slice(0, 5).reverse();
}
