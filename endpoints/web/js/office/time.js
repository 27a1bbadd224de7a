/*
 * time.js — days and times in office time, pure (no DOM). A day is "YYYY-MM-DD" in the
 * office's zone (Asia/Ho_Chi_Minh: +07:00 all year, no daylight saving), computed with
 * Intl so a browser elsewhere still shows office days. Times go to the API as RFC 3339
 * with the office offset.
 */

export const OFFICE_TZ = "Asia/Ho_Chi_Minh";
export const OFFICE_OFFSET = "+07:00";
const DAY_MS = 86_400_000;

const dayFormat = new Intl.DateTimeFormat("en-CA", {
  timeZone: OFFICE_TZ,
  year: "numeric",
  month: "2-digit",
  day: "2-digit",
});
const clockFormat = new Intl.DateTimeFormat("en-GB", {
  timeZone: OFFICE_TZ,
  hour: "2-digit",
  minute: "2-digit",
  hour12: false,
});

function asDate(value) {
  return value instanceof Date ? value : new Date(value);
}

/** The office day of an instant (a Date or an RFC 3339 string). */
export function officeDay(value) {
  const parts = Object.fromEntries(
    dayFormat.formatToParts(asDate(value)).map((p) => [p.type, p.value]),
  );
  return `${parts.year}-${parts.month}-${parts.day}`;
}

/** "08:30" in office time. */
export function officeClock(value) {
  return clockFormat.format(asDate(value));
}

function dayMs(day) {
  const [y, m, d] = day.split("-").map(Number);
  return Date.UTC(y, m - 1, d);
}

function fromMs(ms) {
  return new Date(ms).toISOString().slice(0, 10);
}

export function addDays(day, n) {
  return fromMs(dayMs(day) + n * DAY_MS);
}

/** 0 = Monday … 6 = Sunday (the week an office calendar shows starts on Monday). */
export function weekdayOf(day) {
  return (new Date(dayMs(day)).getUTCDay() + 6) % 7;
}

export function weekStart(day) {
  return addDays(day, -weekdayOf(day));
}

/** The seven days, Monday first, of the week holding `day`. */
export function weekDays(day) {
  const start = weekStart(day);
  return Array.from({ length: 7 }, (_, i) => addDays(start, i));
}

export function monthOf(day) {
  return day.slice(0, 7);
}

/** The weeks (Monday first) that show `day`'s month whole: 4 to 6 rows of 7 days. */
export function monthGrid(day) {
  const first = `${monthOf(day)}-01`;
  const [y, m] = first.split("-").map(Number);
  const last = fromMs(Date.UTC(y, m, 0));
  const weeks = [];
  for (let start = weekStart(first); start <= last; start = addDays(start, 7)) {
    weeks.push(Array.from({ length: 7 }, (_, i) => addDays(start, i)));
  }
  return weeks;
}

/** The first day of the month before (-1) or after (+1) `day`'s. */
export function shiftMonth(day, by) {
  const [y, m] = day.split("-").map(Number);
  return fromMs(Date.UTC(y, m - 1 + by, 1));
}

/** A datetime-local input's "2026-12-10T08:00" as RFC 3339 office time, or null. */
export function toInstant(local) {
  if (!local || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/.test(local)) return null;
  return `${local}:00${OFFICE_OFFSET}`;
}

/** An RFC 3339 instant as a datetime-local input's value in office time. */
export function toLocalInput(value) {
  if (!value) return "";
  return `${officeDay(value)}T${officeClock(value)}`;
}

/** "10/12/2026" from "2026-12-10". */
export function dayLabel(day) {
  const [y, m, d] = day.split("-");
  return `${d}/${m}/${y}`;
}

/** "08:00 10/12/2026": an instant in office time, to the minute (booking times never carry
 * seconds, and a browser in another zone must still show the office's clock). */
export function officeWhen(value) {
  if (!value) return "";
  return `${officeClock(value)} ${dayLabel(officeDay(value))}`;
}

/** "08:00–11:30 10/12/2026", or both ends in full when the span crosses a day. */
export function officeSpan(start, end) {
  if (!end) return officeWhen(start);
  if (officeDay(start) === officeDay(end)) {
    return `${officeClock(start)}–${officeClock(end)} ${dayLabel(officeDay(start))}`;
  }
  return `${officeWhen(start)} – ${officeWhen(end)}`;
}
