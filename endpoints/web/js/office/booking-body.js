/*
 * booking-body.js — the booking form's values as the API's BookingBody, and the roster
 * picker's filter; pure (no DOM).
 */

import { fold } from "../console/names.js";
import { toInstant, weekdayOf } from "./time.js";

export const MAX_ROSTER = 1000;

/**
 * `values`: {title, agenda, notes, host_site_id, roster: [ids], starts, ends, test_from,
 * test_until (datetime-local strings), repeat: "none"|"weekly"|"monthly_after"|
 * "monthly_nth", repeat_day, repeat_until, repeat_count, lead_override_reason, record}.
 * Returns {body, missing: [fields]}: the check and the request send `body` once nothing
 * the API requires is missing.
 */
export function bookingBody(values, { withRepeat = false } = {}) {
  const missing = [];
  const title = (values.title || "").trim();
  if (!title) missing.push("title");
  const host = Number(values.host_site_id) || null;
  if (!host) missing.push("host_site_id");
  const startsAt = toInstant(values.starts);
  if (!startsAt) missing.push("starts_at");
  const endsAt = toInstant(values.ends);
  if (!endsAt) missing.push("ends_at");
  const roster = [...new Set((values.roster || []).map(Number))].filter((id) => id && id !== host);
  const body = {
    title,
    agenda: (values.agenda || "").trim(),
    notes: (values.notes || "").trim(),
    host_site_id: host,
    roster: host ? [host, ...roster] : roster,
    starts_at: startsAt,
    ends_at: endsAt,
    test_from: toInstant(values.test_from),
    test_until: toInstant(values.test_until),
  };
  if (withRepeat) {
    const rule = repeatRule(values);
    if (rule) {
      body.repeat = {
        rule,
        until: values.repeat_until || null,
        count: values.repeat_count ? Number(values.repeat_count) : null,
        skip: [],
      };
    }
    const reason = (values.lead_override_reason || "").trim();
    if (reason) body.lead_override_reason = reason;
    if (values.record) body.record = true; // issue 14: recorded from its opening
  }
  return { body, missing };
}

/** The series rule (bridge/bookings/series.py's JSON) the form's repeat fields say. */
export function repeatRule(values) {
  const start = values.starts ? values.starts.slice(0, 10) : null;
  const weekday = start ? weekdayOf(start) : 0;
  switch (values.repeat) {
    case "weekly":
      return { kind: "weekly", weekday };
    case "monthly_after":
      return {
        kind: "monthly_first_working_day_after",
        day: Math.min(28, Math.max(1, Number(values.repeat_day) || 20)),
      };
    case "monthly_nth": {
      const n = start ? Math.min(4, Math.floor((Number(start.slice(8, 10)) - 1) / 7) + 1) : 1;
      return { kind: "monthly_nth_weekday", n, weekday };
    }
    default:
      return null;
  }
}

/** Sites whose name matches every word of `query` (case and diacritics folded). */
export function filterSites(sites, query) {
  const words = fold(query || "").split(/\s+/).filter(Boolean);
  if (!words.length) return sites;
  return sites.filter((site) => {
    const name = fold(site.name);
    return words.every((w) => name.includes(w));
  });
}
