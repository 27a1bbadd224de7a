/*
 * report-model.js — the reports tab's rules, pure (node tests): the query of the period
 * chosen (a quarter, or from and to) and the quarter a day falls in.
 */

/** `quarter=2026-Q3`, or `from=…&to=…` for a range. */
export function periodQuery(form) {
  if (form.mode === "range") {
    return `from=${encodeURIComponent(form.from)}&to=${encodeURIComponent(form.to)}`;
  }
  return `quarter=${encodeURIComponent(`${form.year}-Q${form.quarter}`)}`;
}

/** The quarter (1–4) of a date's month. */
export function quarterOf(date) {
  return Math.floor(date.getMonth() / 3) + 1;
}

/** A percentage as the page shows it (`85.0 %`), or a dash when there is none. */
export function percent(value) {
  return value === null || value === undefined ? "—" : `${(value * 100).toFixed(1)} %`;
}
