/*
 * reports.js — the "Báo cáo / Reports" tab: pick a quarter or a date range, see the
 * summary (GET /api/reports?quarter= or ?from=&to=: sessions booked and held online,
 * halls, attendance rate, average quality, halls with repeated problems), then open the
 * printable report (its <article> shown in the print view, as an invitation is) or save
 * it as CSV or JSON. A closed session's panel (detail.js) offers its own report the same
 * way, as does each closed session listed under the period's summary (the calendar shows
 * only sessions still to be held) (GET /api/sessions/{id}/report[.html|.csv]). The
 * routes need the login token, so
 * every file is fetched here, never linked.
 */

import { requestFile } from "../common/api.js";
import { byId, element } from "../common/dom.js";
import { formatDateTime, t } from "../common/i18n.js";
import { percent, periodQuery, quarterOf } from "./report-model.js";
import { api, errorMessage, office } from "./state.js";

let summary = null; // the last period report's JSON

function token() {
  return office.auth ? office.auth.token : null;
}

function say(text) {
  byId("reports-status").textContent = text;
}

function chosen() {
  return {
    mode: byId("reports-mode-range").checked ? "range" : "quarter",
    year: byId("reports-year").value,
    quarter: byId("reports-quarter").value,
    from: byId("reports-from").value,
    to: byId("reports-to").value,
  };
}

function showMode() {
  const range = byId("reports-mode-range").checked;
  byId("reports-quarter-fields").hidden = range;
  byId("reports-range-fields").hidden = !range;
}

async function save(path, accept, fallback) {
  const { blob, filename } = await requestFile(path, { token: token(), accept });
  const url = URL.createObjectURL(blob);
  const link = document.createElement("a");
  link.href = url;
  link.download = filename || fallback;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** The printable report, its article alone, in the page's print view. */
async function openPrintable(path) {
  const { blob } = await requestFile(path, { token: token(), accept: "text/html" });
  const doc = new DOMParser().parseFromString(await blob.text(), "text/html");
  const article = doc.querySelector("article.report");
  if (!article) throw new Error("no report in the answer");
  byId("print-sheet").replaceChildren(document.importNode(article, true));
  document.body.dataset.printing = "true";
  byId("print-view").hidden = false;
  byId("print-now").focus();
}

async function act(kind, base, name) {
  if (kind === "print") await openPrintable(`${base.path}.html${base.query}`);
  else if (kind === "csv") await save(`${base.path}.csv${base.query}`, "text/csv", `${name}.csv`);
  else if (kind === "json") await save(`${base.path}${base.query}`, "application/json", `${name}.json`);
}

function buttons(dataset) {
  return element("div", { className: "report-actions" },
    element("button", { type: "button", className: "button button-small", dataset: { ...dataset, report: "print" }, text: t("office.reports.print") }),
    element("button", { type: "button", className: "button button-small", dataset: { ...dataset, report: "csv" }, text: t("office.reports.csv") }),
    element("button", { type: "button", className: "button button-small", dataset: { ...dataset, report: "json" }, text: t("office.reports.json") }));
}

/** A closed session's report, for its panel beside the calendar. */
export function sessionReportSection(session) {
  if (session.state !== "closed") return "";
  return element("section", { className: "detail-report" },
    element("h3", { text: t("office.reports.session") }),
    buttons({ reportSession: String(session.id) }));
}

function fact(label, value) {
  return element("div", { className: "detail-fact" },
    element("dt", { text: label }), element("dd", { text: value }));
}

export function renderReports() {
  const box = byId("reports-summary");
  if (!summary) {
    box.replaceChildren();
    return;
  }
  const s = summary.totals;
  const facts = element("dl", { className: "detail-facts" },
    fact(t("office.reports.sessions"), t("office.reports.sessions_value", { sessions: s.sessions, booked: s.booked, held: s.held_online })),
    fact(t("office.reports.halls"), t("office.reports.halls_value", { halls: s.halls, places: s.places })),
    fact(t("office.reports.attendance"), percent(s.attendance_rate)),
    fact(t("office.reports.hours"), t("office.reports.hours_value", { session: s.session_hours, halls: s.hall_hours })),
    fact(t("office.reports.quality"), t("office.reports.quality_value", { mos: s.mean_mos === null ? "—" : s.mean_mos.toFixed(2), poor: percent(s.poor_share) })));
  const repeated = summary.repeated_problems.length
    ? element("ul", { className: "report-repeated" },
      ...summary.repeated_problems.map((p) => element("li", { text: t("office.reports.repeated_item", { name: p.name, count: p.sessions.length, attended: p.attended }) })))
    : element("p", { className: "muted-text", text: t("office.reports.no_repeated") });
  const sessions = element("ul", { className: "report-sessions" },
    ...summary.session_list.map((x) => element("li", { className: "report-session", dataset: { sessionId: String(x.session_id) } },
      element("span", { className: "report-session-title", text: `${x.title} — ${formatDateTime(new Date(x.started_at))}` }),
      buttons({ reportSession: String(x.session_id) }))));
  box.replaceChildren(
    element("h2", { text: summary.period.quarter ? t("office.reports.quarter_title", { quarter: summary.period.quarter }) : t("office.reports.range_title", { from: summary.period.from, to: summary.period.to }) }),
    facts,
    element("h3", { text: t("office.reports.repeated") }),
    repeated,
    buttons({ reportPeriod: "1" }),
    element("h3", { text: t("office.reports.sessions_list", { count: summary.session_list.length }) }),
    sessions);
}

async function loadPeriod(event) {
  if (event) event.preventDefault();
  say(t("office.loading"));
  try {
    summary = await api("GET", `/api/reports?${periodQuery(chosen())}`);
    say("");
  } catch (err) {
    summary = null;
    say(errorMessage(err));
  }
  renderReports();
}

async function onClick(event) {
  const button = event.target.closest("button[data-report]");
  if (!button) return;
  button.disabled = true;
  try {
    if (button.dataset.reportSession) {
      const id = button.dataset.reportSession;
      await act(button.dataset.report, { path: `/api/sessions/${id}/report`, query: "" }, `bao-cao-phien-${id}`);
    } else if (summary) {
      const p = summary.period;
      const query = p.quarter ? `?quarter=${p.quarter}` : `?from=${p.from}&to=${p.to}`;
      await act(button.dataset.report, { path: "/api/reports", query }, `bao-cao-${p.quarter || `${p.from}_${p.to}`}`);
    }
  } catch (err) {
    if (button.closest("#detail-body")) byId("detail-status").textContent = errorMessage(err);
    else say(errorMessage(err));
  } finally {
    button.disabled = false;
  }
}

export function bindReports() {
  const now = new Date();
  byId("reports-year").value = String(now.getFullYear());
  byId("reports-quarter").value = String(quarterOf(now));
  byId("reports-form").addEventListener("submit", loadPeriod);
  byId("reports-mode-quarter").addEventListener("change", showMode);
  byId("reports-mode-range").addEventListener("change", showMode);
  byId("panel-reports").addEventListener("click", onClick);
  byId("detail-body").addEventListener("click", onClick);
  showMode();
}
