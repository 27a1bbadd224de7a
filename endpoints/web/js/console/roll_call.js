/*
 * roll_call.js — the roll call ("Điểm danh"), a panel over the live board: every roster
 * hall, in roster order, with what the bridge measured of it (connected now, its share of
 * the session so far: GET /api/sessions/{id}/attendance) and the operator's mark:
 * present, absent with a reason, or present in person at another hall of the roster.
 *
 *   - Opening it reads GET …/attendance (the measured share and each hall's mark so far).
 *   - A row's mark is chosen in its select; "absent" asks for the reason, "elsewhere" for
 *     the hall (a select of the other roster halls); "Lưu" sends PUT
 *     /api/sessions/{id}/roll-call/{site_id} {mark, reason?, at_site_id?}. A refusal
 *     (reason_required, at_site_id…) is said on the row, in the console's language.
 *   - Marking needs the permission "attendance.roll_call" (operator, organiser, office,
 *     admin); reading "attendance.view". Without it the controls are disabled and say why.
 *   - 100 halls at 1366×768: the table scrolls inside the dialog, its header stays, each
 *     hall's whole name wraps rather than being cut.
 *
 * The pure rules (a mark's body, the summary's count) are in roll-call-rules.js.
 *
 * DOM: #board-roll-call opens #roll-call-dialog; #roll-call-summary; #roll-call-status;
 * #roll-call-body > tr[data-site-id][data-mark] with .rc-name, .rc-measured,
 * select.rc-mark, input.rc-reason, select.rc-at, button.rc-save, .rc-result[data-result].
 */

import { element } from "../common/dom.js";
import { t } from "../common/i18n.js";
import { NOT_PERMITTED } from "./actions.js";
import { api } from "./auth.js";
import { model, page } from "./model.js";
import { allows } from "./profiles-api.js";
import { MARKS, markBody, presentNow, shareText } from "./roll-call-rules.js";

const $ = (id) => document.getElementById(id);
export const ROLL_CALL = "attendance.roll_call";
export const ATTENDANCE_VIEW = "attendance.view";
const id = (value) => encodeURIComponent(String(value));
export const attendancePath = (sessionId) => `/api/sessions/${id(sessionId)}/attendance`;
export const rollCallPath = (sessionId, siteId) =>
  `/api/sessions/${id(sessionId)}/roll-call/${id(siteId)}`;

const local = { seq: 0, sites: [], rows: new Map() };

const mayMark = () => allows(ROLL_CALL, model.actions);
const mayView = () => allows(ATTENDANCE_VIEW, model.actions);

function permit(control, permitted) {
  control.disabled = !permitted;
  control.dataset.permitted = String(permitted);
  if (permitted) control.removeAttribute("title");
  else control.title = t(NOT_PERMITTED);
}

/** The button on the live board (called by views.js on every render). */
export function renderRollCall() {
  const button = $("board-roll-call");
  if (button) permit(button, mayView());
}

function setResult(row, key, text) {
  row.result.dataset.result = key;
  row.result.textContent = text;
}

function showFields(row) {
  const mark = row.mark.value;
  row.reason.hidden = mark !== "absent";
  row.at.hidden = mark !== "elsewhere";
  row.tr.dataset.mark = mark;
}

function makeRow(site, index, sites) {
  const mark = element(
    "select",
    { className: "rc-mark", attrs: { "aria-label": t("console.roll_call.col.mark") } },
    element("option", { value: "", text: t("console.roll_call.unmarked") }),
    ...MARKS.map((m) => element("option", { value: m, text: t(`console.roll_call.mark.${m}`) })),
  );
  const reason = element("input", {
    className: "rc-reason",
    type: "text",
    maxLength: 500,
    placeholder: t("console.roll_call.reason"),
    attrs: { "aria-label": t("console.roll_call.reason") },
  });
  const at = element(
    "select",
    { className: "rc-at", attrs: { "aria-label": t("console.roll_call.at") } },
    element("option", { value: "", text: t("console.roll_call.at") }),
    ...sites
      .filter((other) => other.id !== site.id)
      .map((other) => element("option", { value: String(other.id), text: other.name })),
  );
  const save = element("button", {
    className: "button button-small rc-save",
    type: "button",
    text: t("console.roll_call.save"),
  });
  const result = element("span", { className: "rc-result", attrs: { role: "status" } });
  const measured = element("td", { className: "rc-measured" });
  const tr = element(
    "tr",
    { dataset: { siteId: String(site.id), mark: "" } },
    element("td", { className: "rc-position", text: String(index + 1) }),
    element("th", { className: "rc-name", attrs: { scope: "row" }, text: site.name }),
    measured,
    element("td", { className: "rc-mark-cell" }, mark),
    element("td", { className: "rc-detail" }, reason, at),
    element("td", { className: "rc-actions" }, save, result),
  );
  const row = { tr, mark, reason, at, save, result, measured, siteId: site.id };
  row.saved = ""; // the mark the bridge holds
  row.measuredPresent = false;
  mark.addEventListener("change", () => {
    showFields(row);
    setResult(row, "", "");
  });
  save.addEventListener("click", () => saveRow(row));
  reason.addEventListener("keydown", (event) => {
    if (event.key === "Enter") saveRow(row);
  });
  return row;
}

function fillRow(row, entry) {
  const live = model.sites.find((s) => s.id === row.siteId);
  const state = live ? live.state : "offline";
  const measured = entry ? shareText(entry.share) : "—";
  row.measured.textContent = `${t(`state.site.${state}`, {}, state)} · ${measured}`;
  row.measured.dataset.state = state;
  const mark = entry && entry.roll_call ? entry.roll_call : null;
  row.saved = mark ? mark.mark : "";
  row.measuredPresent = entry ? entry.measured_present : false;
  row.mark.value = mark ? mark.mark : "";
  row.reason.value = mark ? mark.reason : "";
  row.at.value = mark && mark.at_site_id !== null ? String(mark.at_site_id) : "";
  showFields(row);
  const permitted = mayMark();
  for (const control of [row.mark, row.reason, row.at, row.save]) permit(control, permitted);
}

function renderSummary() {
  const rows = [...local.rows.values()];
  const marked = rows.filter((r) => r.saved).length;
  const present = rows.filter((r) => presentNow(r.measuredPresent, r.saved)).length;
  $("roll-call-summary").textContent = t("console.roll_call.summary", {
    total: rows.length,
    marked,
    present,
  });
}

async function saveRow(row) {
  if (!mayMark() || page.sessionId === null) return;
  const atValue = row.at.value ? Number(row.at.value) : null;
  const body = markBody(row.mark.value, row.reason.value, atValue);
  if (!row.mark.value) {
    setResult(row, "error", t("console.roll_call.choose"));
    return;
  }
  row.save.disabled = true;
  setResult(row, "saving", t("console.roll_call.saving"));
  try {
    await api("PUT", rollCallPath(page.sessionId, row.siteId), body);
    setResult(row, "saved", t("console.roll_call.saved"));
    row.saved = row.mark.value;
    row.tr.dataset.saved = row.mark.value;
    renderSummary();
  } catch (err) {
    const text = err.field ? err.serverMessage || err.text() : err.text();
    setResult(row, "error", text);
    if (err.field === "reason") row.reason.focus();
    else if (err.field === "at_site_id") row.at.focus();
  } finally {
    row.save.disabled = !mayMark();
  }
}

async function load() {
  const seq = ++local.seq;
  const status = $("roll-call-status");
  status.textContent = t("console.roll_call.loading");
  try {
    const data = await api("GET", attendancePath(page.sessionId));
    if (seq !== local.seq) return;
    const byId = new Map(data.sites.map((s) => [s.site_id, s]));
    for (const row of local.rows.values()) fillRow(row, byId.get(row.siteId));
    renderSummary();
    status.textContent = "";
  } catch (err) {
    if (seq !== local.seq) return;
    status.textContent = err.text();
  }
}

function build() {
  const sites = model.sites.map((s) => ({ id: s.id, name: s.name }));
  const body = $("roll-call-body");
  local.rows = new Map();
  const rows = sites.map((site, i) => makeRow(site, i, sites));
  for (const row of rows) local.rows.set(row.siteId, row);
  body.replaceChildren(...rows.map((r) => r.tr));
  for (const row of rows) fillRow(row, null);
  local.sites = sites;
}

/** Another console (or this one) marked a hall: an open roll call shows it at once — but
 * a row being edited here keeps what the operator is typing. */
export function onRollCall(mark) {
  if (!mark || !$("roll-call-dialog").open) return;
  const row = local.rows.get(mark.site_id);
  if (!row) return;
  row.saved = mark.mark;
  row.tr.dataset.saved = mark.mark;
  const editing = row.tr.contains(document.activeElement) && document.activeElement !== row.save;
  if (!editing) {
    row.mark.value = mark.mark;
    row.reason.value = mark.reason || "";
    row.at.value = mark.at_site_id !== null && mark.at_site_id !== undefined ? String(mark.at_site_id) : "";
    showFields(row);
  }
  renderSummary();
}

export function openRollCall() {
  if (!mayView() || page.sessionId === null) return;
  build();
  const dialog = $("roll-call-dialog");
  if (!dialog.open) dialog.showModal();
  $("roll-call-title").focus();
  load();
}

export function bindRollCall() {
  const button = $("board-roll-call");
  if (!button) return;
  button.addEventListener("click", openRollCall);
  $("roll-call-refresh").addEventListener("click", () => load());
}
