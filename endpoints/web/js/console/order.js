/*
 * order.js — which rows the board shows and in what order, and the counts above it; pure.
 *
 * Sorts: "roster" (the session's order, the default), "state" (connected, connecting,
 * offline; a hall with no media counts as in trouble, before connecting), "level" (the
 * administrative level, then the unit, then the name), "name" (the name as the row shows
 * it, without "Điểm cầu" and the unit; Vietnamese collation), "hands" (raised hands first, in
 * the queue's order) and "devices" (the halls with most device warnings first). Every sort ends on
 * the roster order, so equal rows keep their places. The filter matches any part of the
 * name, without diacritics or case ("quang tri" finds "Quảng Trị").
 */

import { LEVEL_RANK, UNIT_RANK, fold, levelOf, parseHallName } from "./names.js";

export const SORTS = ["roster", "state", "level", "name", "hands", "devices"];

const collator = new Intl.Collator("vi", { sensitivity: "base", numeric: true });
const STATE_RANK = { connected: 0, no_media: 1, connecting: 2, offline: 3 };

/** A site's state as the board shows it: a connected hall from which nothing arrives is
 * `no_media` (the bridge's `quality` entry says so; absent means media arrives). */
export function shownState(site, quality) {
  if (site.state === "connected" && quality && quality.no_media === true) return "no_media";
  return site.state;
}

const levelRank = (site) => LEVEL_RANK[levelOf(site)] ?? 9;
const unitRank = (site) => UNIT_RANK[parseHallName(site.name).unit] ?? 99;
const shownName = (site) => parseHallName(site.name).display;

/**
 * `sortSites(sites, "state", {quality})` → a new array; `quality` is a Map of site id →
 * the last `quality` entry. `sites` is in roster order.
 */
export function sortSites(sites, sort, { quality = new Map(), devices = new Map() } = {}) {
  const index = new Map(sites.map((s, i) => [s.id, i]));
  const byRoster = (a, b) => index.get(a.id) - index.get(b.id);
  const compare = {
    roster: () => 0,
    state: (a, b) =>
      STATE_RANK[shownState(a, quality.get(a.id))] - STATE_RANK[shownState(b, quality.get(b.id))],
    level: (a, b) =>
      levelRank(a) - levelRank(b) ||
      unitRank(a) - unitRank(b) ||
      collator.compare(shownName(a), shownName(b)),
    name: (a, b) => collator.compare(shownName(a), shownName(b)),
    hands: (a, b) =>
      Number(Boolean(b.hand_raised)) - Number(Boolean(a.hand_raised)) ||
      (a.hand_raised ? (a.hand_seq ?? 0) - (b.hand_seq ?? 0) : 0),
    // "devices": the halls with most device warnings first (`devices`: site id → count)
    devices: (a, b) => (devices.get(b.id) || 0) - (devices.get(a.id) || 0),
  }[SORTS.includes(sort) ? sort : "roster"];
  return [...sites].sort((a, b) => compare(a, b) || byRoster(a, b));
}

/** Whether a site matches the filter box's text (empty: every site). `extra` is more
 * text the row shows (its translated unit, say) that should match too. */
export function matches(site, query, extra = "") {
  const words = fold(query).split(" ").filter(Boolean);
  if (!words.length) return true;
  const text = fold(`${site.name} ${extra}`);
  return words.every((word) => text.includes(word));
}

/** The counts above the board. */
export function summarize(sites, quality = new Map(), devices = new Map()) {
  const counts = { total: sites.length, connected: 0, connecting: 0, offline: 0, no_media: 0 };
  let muted = 0;
  let hands = 0;
  let warned = 0;
  for (const site of sites) {
    if ((devices.get(site.id) || 0) > 0) warned += 1;
    const state = shownState(site, quality.get(site.id));
    if (state === "no_media") {
      counts.connected += 1; // still connected: the summary adds how many have no media
      counts.no_media += 1;
    } else if (state in counts) {
      counts[state] += 1;
    }
    if (site.muted) muted += 1;
    if (site.hand_raised) hands += 1;
  }
  return { ...counts, muted, hands, devices: warned };
}
