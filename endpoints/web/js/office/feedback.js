/*
 * feedback.js — the booking form's live feedback, pure (no DOM): what
 * POST /api/bookings/check answered, as lines to show (an i18n key and its parameters,
 * and how serious), and the debounce that keeps the check from running on every key.
 */

import { dayLabel, officeClock, officeDay } from "./time.js";

/** Lines for a Check {lead_time, conflicts, working_day, holiday}. */
export function feedbackLines(check) {
  const lines = [];
  const lead = check.lead_time;
  if (lead) {
    if (lead.ok) {
      lines.push({ key: "office.check.lead_ok", level: "ok", params: { days: lead.days } });
    } else {
      lines.push({
        key: "office.check.lead_short",
        level: "bad",
        params: { days: lead.days, earliest: dayLabel(lead.earliest_day), short: lead.short_by },
      });
    }
  }
  if (check.holiday) {
    lines.push({ key: "office.check.holiday", level: "warn", params: { name: check.holiday } });
  } else if (check.working_day === false) {
    lines.push({ key: "office.check.day_off", level: "warn", params: {} });
  }
  for (const c of check.conflicts || []) {
    const halls = (c.sites || []).map((s) => s.name).join("; ");
    lines.push({
      key: c.through_test_window ? "office.check.conflict_window" : "office.check.conflict",
      level: "bad",
      params: {
        title: c.title,
        halls,
        from: `${officeClock(c.from)} ${dayLabel(officeDay(c.from))}`,
        until: `${officeClock(c.until)} ${dayLabel(officeDay(c.until))}`,
      },
      conflict: { kind: c.kind, id: c.id },
    });
  }
  if ((check.conflicts || []).length === 0) {
    lines.push({ key: "office.check.no_conflict", level: "ok", params: {} });
  }
  return lines;
}

/**
 * `fn` called once `waitMs` after the last call (the latest arguments); `.flush()` runs a
 * pending call now, `.cancel()` drops it. `timers` is injectable for tests.
 */
export function debounce(fn, waitMs, timers = globalThis) {
  let handle = null;
  let pending = null;
  const run = () => {
    handle = null;
    const args = pending;
    pending = null;
    if (args) fn(...args);
  };
  const debounced = (...args) => {
    pending = args;
    if (handle !== null) timers.clearTimeout(handle);
    handle = timers.setTimeout(run, waitMs);
  };
  debounced.flush = () => {
    if (handle !== null) timers.clearTimeout(handle);
    run();
  };
  debounced.cancel = () => {
    if (handle !== null) timers.clearTimeout(handle);
    handle = null;
    pending = null;
  };
  return debounced;
}

/**
 * Only the newest answer counts: `latest()` hands out a ticket per request and
 * `isCurrent(ticket)` says whether it is still the last one asked for.
 */
export function latestOnly() {
  let counter = 0;
  return {
    next: () => ++counter,
    isCurrent: (ticket) => ticket === counter,
  };
}
