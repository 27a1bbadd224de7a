/*
 * calendar-model.js — what the office calendar shows, pure (no DOM): the items of
 * GET /api/calendar placed on the days they touch, and each hall's occupancy.
 *
 * A hall is occupied from the earlier of its test window's opening and the start, until
 * the end (without an end: the start plus 4 hours) — the rule the bridge's conflict check
 * uses (bridge/bookings/conflicts.py). Two items that occupy one hall at once clash.
 */

import { addDays, officeDay } from "./time.js";

export const ASSUMED_MS = 4 * 3_600_000;
// Pending bookings are shown with sessions; refused and withdrawn ones are not.
export const SHOWN_STATES = new Set(["scheduled", "open", "closed", "requested", "rescheduled", "approved"]);

export function span(item) {
  const start = Date.parse(item.starts_at);
  const opens = item.test_from ? Math.min(Date.parse(item.test_from), start) : start;
  const end = item.ends_at ? Date.parse(item.ends_at) : start + ASSUMED_MS;
  return { from: opens, until: Math.max(end, start) };
}

function byStart(a, b) {
  return Date.parse(a.starts_at) - Date.parse(b.starts_at) || String(a.id).localeCompare(String(b.id));
}

/** Map day → the items whose own time (start to end) touches it, earliest first. */
export function itemsByDay(items, days) {
  const found = new Map(days.map((d) => [d, []]));
  for (const item of items) {
    if (!SHOWN_STATES.has(item.state)) continue;
    const first = officeDay(item.starts_at);
    const last = officeDay(item.ends_at || Date.parse(item.starts_at) + 1);
    for (let day = first; day <= last; day = addDays(day, 1)) {
      if (found.has(day)) found.get(day).push(item);
      if (day > days[days.length - 1]) break;
    }
  }
  for (const list of found.values()) list.sort(byStart);
  return found;
}

/**
 * Every hall occupied in `days`: [{site_id, name, days: Map(day → [{item, clash}])}], in
 * the order of `sites` (the bridge's), with `clash` true where another item occupies the
 * same hall at an overlapping time.
 */
export function occupancy(items, sites, days) {
  const shown = items.filter((i) => SHOWN_STATES.has(i.state) && i.state !== "closed");
  const spans = new Map(shown.map((i) => [i, span(i)]));
  const dayOf = itemsByDay(shown, days);
  const rows = [];
  for (const site of sites) {
    const mine = shown.filter((i) => (i.site_ids || []).includes(site.id));
    if (!mine.length) continue;
    const cells = new Map();
    let busy = false;
    for (const day of days) {
      const here = dayOf.get(day).filter((i) => mine.includes(i));
      if (here.length) busy = true;
      cells.set(
        day,
        here.map((item) => ({
          item,
          clash: mine.some((other) => other !== item && overlaps(spans.get(item), spans.get(other))),
        })),
      );
    }
    if (busy) rows.push({ site_id: site.id, name: site.name, days: cells });
  }
  return rows;
}

export function overlaps(a, b) {
  return a.from < b.until && b.from < a.until;
}

/** The calendar's days as a lookup: day → {working, holiday, declared}. */
export function dayInfo(days) {
  return new Map((days || []).map((d) => [d.date, d]));
}
