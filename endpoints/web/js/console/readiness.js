/*
 * readiness.js — the readiness board ("Sẵn sàng kết nối"), over a live board (its socket
 * stays open, so `readiness` messages keep it live): every roster site's connection test —
 * its state (not ready / warning / testing / not tested / ready, a glyph and words beside
 * the colour), when it was tested, the key figures, the most severe reason in the console's
 * language and the trend of its last sessions — with the counts per state above.
 *
 *   - Opening it reads GET /api/sessions/{id}/readiness; `readiness` messages (changed rows
 *     only) are merged in as they come, whether the board is open or not (readiness-rows.js).
 *   - A click on a column's header sorts by it (again: the other way); the order is kept in
 *     localStorage "bridge.console.readiness.sort", as the hall list keeps its own.
 *   - A row (click, or Enter on it) opens its detail: every reason with its advice, every
 *     figure, what was not measured, the trend with each session's MOS.
 *   - "Kiểm tra lại" / "Kiểm tra tất cả" send `test_run` (actions.js: `test_run`,
 *     `test_run_all`, permission "readiness.test"); "Xuất CSV" fetches the CSV with the login
 *     token and saves it (readiness-api.js).
 *   - The halls' cards on the live board carry a small badge of the same state beside the
 *     connection dot (a framed glyph; the words in its tooltip), once the board has been
 *     read (or a `readiness` message came).
 */

import { element, localStore } from "../common/dom.js";
import { currentLang, t } from "../common/i18n.js";
import { NOT_PERMITTED } from "./actions.js";
import { applyControl, runAction } from "./controls.js";
import { dom } from "./elements.js";
import { model, page, siteById } from "./model.js";
import { parseHallName } from "./names.js";
import { allows } from "./profiles-api.js";
import { csvPath, READINESS_VIEW, readinessApi } from "./readiness-api.js";
import {
  adviceText,
  DASH,
  detailFigures,
  figureTexts,
  reasonText,
  timeText,
} from "./readiness-figures.js";
import {
  countStates,
  formatSort,
  mergeRows,
  nextSort,
  parseSort,
  sortRows,
  STATES,
  trendOldestFirst,
  worstReason,
} from "./readiness-rows.js";
import { rows as hallRows, unitLabel } from "./roster.js";
import { render } from "./views.js";

const $ = (id) => document.getElementById(id);
const SORT_KEY = "bridge.console.readiness.sort";
/** A glyph per state, so no state is told by colour alone. */
export const STATE_GLYPHS = {
  not_ready: "✕",
  warning: "!",
  testing: "…",
  not_tested: "–",
  ready: "✓",
};
const STATE_KEY = (state) => `console.readiness.state.${state}`;

const local = {
  trs: new Map(), // site id -> its <tr> (made once, filled in place)
  seq: 0, // the latest GET; an older answer is dropped
  openId: null, // the row whose detail dialog is open
  loaded: false, // the board has been read once for this session (badges show from then)
  sessionId: null,
  status: null, // the status line's {key, params}, or null
  badged: false, // some card may carry a badge (to hide when the board is forgotten)
};

const setText = (el, text) => {
  if (el.textContent !== text) el.textContent = text;
};
const setData = (el, key, value) => {
  if (el.dataset[key] !== value) el.dataset[key] = value;
};
const setAttr = (el, name, value) => {
  if (el.getAttribute(name) !== value) el.setAttribute(name, value);
};

const shown = () => model.screen === "readiness" && !dom.readinessView.hidden;
const mayView = () => allows(READINESS_VIEW, model.actions);
/** Whether `ready.actions` names the board's permission outright (not just "a bridge that
 * does not say"): only then is it read in the background, for the cards' badges. */
const listed = () => Array.isArray(model.actions) && model.actions.includes(READINESS_VIEW);

/* The status line: a catalogue key (said again in the other language after a switch) or
 * an error's text. */
function status(key, params = {}) {
  local.status = key ? { key, params } : null;
  $("readiness-status").textContent = key ? t(key, params) : "";
  $("readiness-status").dataset.kind = "";
}

function failed(err) {
  local.status = null;
  $("readiness-status").textContent = err && err.text ? err.text() : String(err);
  $("readiness-status").dataset.kind = "error";
}

export function openReadiness() {
  model.screen = "readiness";
  render();
  loadBoard();
}

function closeReadiness() {
  model.screen = "board";
  render();
}

/** Read the whole board again (opening it, "Làm mới", after a reconnection). */
export async function loadBoard({ quiet = false } = {}) {
  if (!page.sessionId) return;
  const seq = ++local.seq;
  const sessionId = page.sessionId;
  if (!quiet) status("console.readiness.loading");
  try {
    const data = await readinessApi.board(sessionId);
    if (seq !== local.seq || sessionId !== page.sessionId) return;
    model.readiness = mergeRows(new Map(), data && data.sites).rows;
    model.readinessInfo = {
      window: (data && data.window) || null,
      testing: Boolean(data && data.testing),
    };
    local.loaded = true;
    local.sessionId = sessionId;
    if (!quiet) status("");
  } catch (err) {
    if (seq === local.seq && !quiet) failed(err);
    return;
  }
  renderReadiness();
  paintBadges();
}

/** After `ready` (a new connection): read the board again if it is open, or for the
 * cards' badges when the bridge lists the board's permission. */
export function onReadyAgain() {
  if (local.sessionId !== page.sessionId) {
    local.loaded = false;
    local.trs.clear();
    $("readiness-body").replaceChildren();
  }
  if (shown()) loadBoard();
  else if (listed()) loadBoard({ quiet: true });
}

/** A `readiness` message: the changed rows merged in; only they are repainted unless the
 * order or the counts moved. */
export function onReadiness(entries) {
  const before = model.readiness;
  const { rows, changed } = mergeRows(before, entries);
  if (!changed.length) return;
  model.readiness = rows;
  local.loaded = true;
  local.sessionId = page.sessionId;
  paintBadges(changed);
  if (!shown()) return;
  const sorted = sortRows([...rows.values()], model.readinessSort).map((r) => r.site_id);
  const now = [...$("readiness-body").children].map((tr) => Number(tr.dataset.siteId));
  if (sorted.join(",") !== now.join(",")) renderReadiness();
  else {
    for (const id of changed) fillRow(local.trs.get(id), rows.get(id));
    renderCounts();
  }
  if (local.openId !== null && changed.includes(local.openId)) renderDetail();
}

/* ---- the board ---- */

const COLUMNS = [
  { cls: "rd-position", fill: (td, row) => setText(td, String(row.position ?? "")) },
  { cls: "rd-level", fill: (td, row) => setText(td, unitLabel(row)) },
  { cls: "rd-name", fill: fillName, header: true },
  { cls: "rd-state", fill: fillState },
  { cls: "rd-at", fill: (td, row) => fillAt(td, row) },
  { cls: "rd-rtt", fill: (td, row, f) => setText(td, f.rtt) },
  { cls: "rd-loss", fill: (td, row, f) => setText(td, f.loss) },
  { cls: "rd-jitter", fill: (td, row, f) => setText(td, f.jitter) },
  { cls: "rd-uplink", fill: (td, row, f) => fillBitrate(td, f.uplink, f.needed, f.uplinkFit) },
  {
    cls: "rd-downlink",
    fill: (td, row, f) => fillBitrate(td, f.downlink, f.needed, f.downlinkFit),
  },
  { cls: "rd-mic", fill: (td, row, f) => setText(td, f.mic) },
  { cls: "rd-speaker", fill: fillSpeaker },
  { cls: "rd-mos", fill: (td, row, f) => setText(td, f.mos) },
  { cls: "rd-reason", fill: fillReason },
  { cls: "rd-trend", fill: fillTrend },
  { cls: "rd-actions", fill: fillActions },
];

function newRow(siteId) {
  const tr = element("tr", { dataset: { siteId: String(siteId) }, tabIndex: 0 });
  for (const col of COLUMNS) {
    const td = document.createElement(col.header ? "th" : "td");
    if (col.header) td.scope = "row";
    td.className = col.cls;
    tr.append(td);
  }
  return tr;
}

function fillName(td, row) {
  if (!td.firstElementChild) {
    // A screen reader hears the official name; the eye reads it as the hall list shows it.
    td.append(
      element("span", { className: "visually-hidden site-full-name" }),
      element("span", { className: "site-name-text", attrs: { "aria-hidden": "true" } }),
    );
  }
  setText(td.querySelector(".site-full-name"), row.name);
  setText(td.querySelector(".site-name-text"), parseHallName(row.name).display);
  setAttr(td, "title", row.name);
}

/** A state as a pill: its glyph and its words (the colour only adds to them). */
function statePill(state) {
  return element(
    "span",
    { className: "ready-state", dataset: { state } },
    element("span", {
      className: "ready-glyph",
      attrs: { "aria-hidden": "true" },
      text: STATE_GLYPHS[state],
    }),
    element("span", { className: "ready-text", text: t(STATE_KEY(state)) }),
  );
}

function fillState(td, row) {
  let pill = td.firstElementChild;
  if (!pill) {
    pill = statePill(row.state);
    td.append(pill);
  }
  setData(pill, "state", row.state);
  setText(pill.firstElementChild, STATE_GLYPHS[row.state]);
  setText(pill.lastElementChild, t(STATE_KEY(row.state)));
}

function fillAt(td, row) {
  setText(td, timeText(row.at, currentLang()));
  const source = row.source ? t(`console.readiness.source.${row.source}`, {}, row.source) : "";
  setAttr(td, "title", source ? t("console.readiness.by", { source }) : "");
}

/* The bitrate measured, and under it what the profile needs; below it: a mark (✕ short,
 * ! under 1.5×), not colour alone. */
function fillBitrate(td, value, needed, fit) {
  if (!td.firstElementChild) {
    td.append(
      element("span", { className: "rd-value" }),
      element("span", { className: "rd-fit", attrs: { "aria-hidden": "true" } }),
      element("span", { className: "rd-needed" }),
    );
  }
  const [text, mark, under] = td.children;
  setText(text, value);
  setData(td, "fit", fit || "");
  setText(mark, fit === "short" ? " ✕" : fit === "tight" ? " !" : "");
  setText(under, needed === DASH ? "" : t("console.readiness.needed", { kbps: needed }));
  setAttr(td, "title", fit ? t(`console.readiness.fit.${fit}`) : "");
}

function fillSpeaker(td, row, f) {
  setText(td, t(f.speakerKey));
  setData(td, "speaker", f.speakerKey.split(".").pop());
}

function fillReason(td, row) {
  const reason = worstReason(row);
  const lang = currentLang();
  const more = Math.max(0, row.reasons.length - 1);
  if (!td.firstElementChild) {
    td.append(
      element("span", { className: "rd-reason-text" }),
      element("span", { className: "rd-more" }),
    );
  }
  const [text, extra] = td.children;
  const none = row.state === "ready" ? t("console.readiness.no_reason") : "";
  setText(text, reason ? reasonText(reason, lang) : none);
  setData(td, "severity", reason ? reason.severity || "" : "");
  setData(td, "code", reason ? reason.code || "" : "");
  setText(extra, more ? ` ${t("console.readiness.more", { count: more })}` : "");
}

/* The last sessions, oldest left: a small box per result, its glyph and colour its state,
 * the session's time and MOS in its tooltip. */
function fillTrend(td, row) {
  const lang = currentLang();
  const items = trendOldestFirst(row);
  const signature = `${lang}|${JSON.stringify(items)}`;
  if (td.dataset.signature === signature) return;
  td.dataset.signature = signature;
  td.dataset.count = String(items.length);
  const said = items.map((x) => t(STATE_KEY(stateOf(x.state)))).join(", ");
  if (items.length) {
    td.setAttribute("aria-label", t("console.readiness.trend_label", { states: said }));
  } else {
    td.removeAttribute("aria-label");
  }
  td.replaceChildren(
    ...items.map((x) => {
      const state = stateOf(x.state);
      const tip = t("console.readiness.trend_item", {
        time: timeText(x.finished_at, lang),
        state: t(STATE_KEY(state)),
        mos: numberOrDash(x.mos),
      });
      return element("span", {
        className: "trend-mark",
        dataset: { state },
        title: tip,
        text: STATE_GLYPHS[state],
        attrs: { "aria-hidden": "true" },
      });
    }),
  );
}

const stateOf = (state) => (STATES.includes(state) ? state : "not_tested");
const numberOrDash = (v) => figureTexts({ mos: v }, currentLang()).mos;

function fillActions(td, row) {
  let button = td.firstElementChild;
  if (!button) {
    button = element("button", {
      type: "button",
      className: "button button-small",
      dataset: { readinessAction: "test_run", siteId: String(row.site_id) },
    });
    td.append(button);
  }
  setText(button, t("console.readiness.retest"));
  gateRetest(button, row);
}

/* "Kiểm tra lại": the action table's rule (connected, permitted), and not while it runs. */
function gateRetest(button, row) {
  const site = siteById(row.site_id);
  const label = t("console.readiness.retest_site", { name: row.name });
  setAttr(button, "aria-label", label);
  if (!site) {
    button.disabled = true;
    button.title = t("console.readiness.not_in_roster");
    return;
  }
  const reason = site.state === "offline" ? t("console.readiness.offline") : label;
  applyControl(button, "test_run", site, reason);
  if (row.state === "testing") {
    button.disabled = true;
    button.title = t("console.readiness.running");
  }
}

function fillRow(tr, row) {
  if (!tr || !row) return;
  setData(tr, "state", row.state);
  setData(tr, "position", row.position != null ? String(row.position) : "");
  const f = figureTexts(row.figures, currentLang());
  const cells = tr.children;
  COLUMNS.forEach((col, i) => col.fill(cells[i], row, f));
}

function renderCounts() {
  const counts = countStates(model.readiness.values());
  const box = $("readiness-counts");
  let spans = [...box.children];
  if (spans.length !== STATES.length) {
    spans = STATES.map((state) =>
      element("span", { className: "count", dataset: { count: state } }),
    );
    box.replaceChildren(...spans);
  }
  STATES.forEach((state, i) => {
    const span = spans[i];
    setData(span, "value", String(counts[state]));
    setText(span, t(`console.readiness.count.${state}`, { count: counts[state] }));
  });
  box.dataset.total = String(counts.total);
}

function renderHeaders() {
  for (const th of $("readiness-table").querySelectorAll("thead th[data-sort]")) {
    const on = th.dataset.sort === model.readinessSort.key;
    const dir = model.readinessSort.dir === "asc" ? "ascending" : "descending";
    setAttr(th, "aria-sort", on ? dir : "none");
    setText(th.querySelector(".sort-mark"), on ? (dir === "ascending" ? " ▲" : " ▼") : "");
    const button = th.querySelector("button");
    const column = th.textContent.replace(/[▲▼]/gu, "").trim();
    setAttr(button, "title", t("console.readiness.sort_by", { column }));
  }
}

function renderWindow() {
  const info = model.readinessInfo;
  const w = info && info.window;
  const lang = currentLang();
  const line = $("readiness-window");
  const parts = [];
  if (w) {
    const opens = timeText(w.opens || w.from || null, lang);
    const closes = timeText(w.closes || w.until || null, lang);
    const key = w.default ? "console.readiness.window_default" : "console.readiness.window";
    parts.push(t(key, { opens, closes }));
  }
  if (info && info.testing) parts.push(t("console.readiness.testing_now"));
  setText(line, parts.join(" · "));
  line.hidden = !parts.length;
  setData(line, "testing", String(Boolean(info && info.testing)));
}

function renderTools() {
  const session = model.session;
  setText($("readiness-session"), session ? session.title : "");
  const csv = $("readiness-csv");
  const href = page.sessionId ? csvPath(page.sessionId) : "#";
  setAttr(csv, "href", href);
  setAttr(csv, "download", `readiness-${page.sessionId || ""}.csv`);
  const permitted = mayView();
  setData(csv, "permitted", String(permitted));
  setAttr(csv, "aria-disabled", String(!permitted));
  if (permitted) csv.removeAttribute("title");
  else csv.title = t(NOT_PERMITTED);
  applyControl($("readiness-test-all"), "test_run_all", null);
}

/** The board's button on the live board (the permission), and the board itself when shown. */
export function renderReadiness() {
  const permitted = mayView();
  dom.readinessOpen.disabled = !permitted;
  dom.readinessOpen.dataset.permitted = String(permitted);
  if (permitted) dom.readinessOpen.removeAttribute("title");
  else dom.readinessOpen.title = t(NOT_PERMITTED);
  if (!shown()) return;
  if (local.status) setText($("readiness-status"), t(local.status.key, local.status.params));
  renderTools();
  renderWindow();
  renderHeaders();
  const sorted = sortRows([...model.readiness.values()], model.readinessSort);
  const live = new Set(sorted.map((r) => r.site_id));
  for (const id of [...local.trs.keys()]) if (!live.has(id)) local.trs.delete(id);
  for (const row of sorted) {
    if (!local.trs.has(row.site_id)) local.trs.set(row.site_id, newRow(row.site_id));
  }
  const body = $("readiness-body");
  const ids = sorted.map((r) => String(r.site_id));
  if (ids.join(",") !== [...body.children].map((tr) => tr.dataset.siteId).join(",")) {
    body.replaceChildren(...sorted.map((r) => local.trs.get(r.site_id)));
  }
  for (const row of sorted) fillRow(local.trs.get(row.site_id), row);
  renderCounts();
  const empty = $("readiness-empty");
  empty.hidden = sorted.length > 0 || !local.loaded;
  setText(empty, t("console.readiness.empty"));
  if (local.openId !== null) renderDetail();
}

/* ---- the detail dialog ---- */

function openDetail(siteId) {
  if (!model.readiness.has(siteId)) return;
  local.openId = siteId;
  renderDetail();
  const dialog = $("readiness-dialog");
  if (!dialog.open) dialog.showModal();
  // the title first, not the buttons at the end: the reasons are what is read
  $("readiness-dialog-title").focus();
  dialog.scrollTop = 0;
}

function renderDetail() {
  const row = model.readiness.get(local.openId);
  if (!row) return;
  const lang = currentLang();
  $("readiness-dialog-title").textContent = row.name;
  const source = row.source ? t(`console.readiness.source.${row.source}`, {}, row.source) : DASH;
  const when = row.at
    ? t("console.readiness.detail.when", { time: timeText(row.at, lang), source })
    : t("console.readiness.detail.never");
  $("readiness-dialog-state").replaceChildren(
    statePill(row.state),
    " ",
    element("span", { text: when }),
  );
  const noReason = row.at ? "console.readiness.no_reason" : "console.readiness.detail.never";
  $("readiness-dialog-reasons").replaceChildren(
    ...(row.reasons.length
      ? row.reasons.map((reason) => reasonItem(reason, lang))
      : [element("li", { className: "readiness-reason", text: t(noReason) })]),
  );
  $("readiness-dialog-figures").replaceChildren(
    ...detailFigures(row.figures, lang).flatMap(({ key, text, unit }) => {
      const value = typeof text === "object" ? (text.key ? t(text.key) : DASH) : text;
      return [
        element("dt", { text: t(key) }),
        element("dd", { text: unit ? `${value} ${unit}` : value }),
      ];
    }),
  );
  const unmeasured = row.unmeasured.map((f) => t(`console.readiness.field.${f}`, {}, f));
  const note = $("readiness-dialog-unmeasured");
  note.textContent = unmeasured.length
    ? t("console.readiness.detail.unmeasured", { fields: unmeasured.join(", ") })
    : "";
  note.hidden = !unmeasured.length;
  const trend = row.trend.slice(0, 5); // newest first, as the bridge sends them
  $("readiness-dialog-trend").replaceChildren(
    ...(trend.length
      ? trend.map((x) => trendItem(x, lang))
      : [element("li", { text: t("console.readiness.detail.no_trend") })]),
  );
  gateRetest($("readiness-dialog-retest"), row);
  setText($("readiness-dialog-retest"), t("console.readiness.retest"));
}

/* One reason: its severity (a glyph and a word), its sentence, the advice under it. */
function reasonItem(reason, lang) {
  const severity = stateOf(reason.severity);
  return element(
    "li",
    {
      className: "readiness-reason",
      dataset: { severity: reason.severity || "", code: reason.code || "" },
    },
    element("span", {
      className: "reason-severity",
      text: `${STATE_GLYPHS[severity]} ${t(STATE_KEY(severity))}`,
    }),
    " ",
    element("strong", { className: "reason-text", text: reasonText(reason, lang) }),
    element("span", { className: "reason-advice", text: adviceText(reason, lang) }),
  );
}

function trendItem(entry, lang) {
  const state = stateOf(entry.state);
  const text = t("console.readiness.detail.trend_item", {
    time: timeText(entry.finished_at, lang),
    session: entry.session_id ?? DASH,
    mos: numberOrDash(entry.mos),
  });
  return element("li", { dataset: { state } }, statePill(state), " ", element("span", { text }));
}

/** The "Kiểm tra lại" buttons again (a hall connected or left, the board became ready):
 * the live board calls it on each of its renders while this board is shown. */
export function regateRetests() {
  if (!shown()) return;
  for (const [id, tr] of local.trs) {
    const row = model.readiness.get(id);
    const button = tr.querySelector("button[data-readiness-action]");
    if (row && button) gateRetest(button, row);
  }
  applyControl($("readiness-test-all"), "test_run_all", null);
}

/* ---- the badge on the live board's cards ---- */

/** Each hall card's readiness badge (all, or the ids named): a glyph, its state in words
 * in the tooltip and for screen readers; none until the board has been read. */
export function paintBadges(ids = null) {
  // Called on every render of the live board: nothing to do before the board is read.
  if (!local.loaded && !local.badged) return;
  local.badged = local.loaded;
  const list = ids || [...hallRows.keys()].map(Number);
  for (const id of list) {
    const tr = hallRows.get(String(id));
    if (!tr) continue;
    const cell = tr.querySelector(".col-state");
    if (!cell) continue;
    let badge = cell.querySelector(".ready-badge");
    const row = local.loaded ? model.readiness.get(id) : null;
    if (!row) {
      if (badge) badge.hidden = true;
      continue;
    }
    if (!badge) {
      badge = element("span", { className: "ready-badge" });
      cell.append(badge);
    }
    badge.hidden = false;
    setData(badge, "state", row.state);
    setText(badge, STATE_GLYPHS[row.state]);
    const reason = worstReason(row);
    const words = t(STATE_KEY(row.state));
    const label = reason ? `${words}: ${reasonText(reason, currentLang())}` : words;
    setAttr(badge, "title", `${t("console.readiness.heading")} — ${label}`);
    setAttr(badge, "aria-label", `${t("console.readiness.heading")}: ${words}`);
    setAttr(badge, "role", "img");
  }
}

/* ---- wiring ---- */

async function downloadCsv(event) {
  event.preventDefault();
  if (!page.sessionId || !mayView()) return;
  status("console.readiness.csv_loading");
  try {
    const { blob, filename } = await readinessApi.csv(page.sessionId);
    const url = URL.createObjectURL(blob);
    const a = element("a", { href: url, download: filename || `readiness-${page.sessionId}.csv` });
    a.hidden = true;
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
    status("console.readiness.csv_done");
  } catch (err) {
    failed(err);
  }
}

function onHeaderClick(event) {
  const button = event.target.closest("button[data-sort]");
  if (!button) return;
  model.readinessSort = nextSort(model.readinessSort, button.dataset.sort);
  localStore.set(SORT_KEY, formatSort(model.readinessSort));
  renderReadiness();
}

function onBodyClick(event) {
  const button = event.target.closest("button[data-readiness-action]");
  if (button) {
    if (!button.disabled) runAction("test_run", Number(button.dataset.siteId));
    return;
  }
  const tr = event.target.closest("tr[data-site-id]");
  if (tr) openDetail(Number(tr.dataset.siteId));
}

function onBodyKey(event) {
  if (event.key !== "Enter" && event.key !== " ") return;
  const tr = event.target;
  if (!(tr instanceof HTMLTableRowElement) || !tr.dataset.siteId) return;
  event.preventDefault();
  openDetail(Number(tr.dataset.siteId));
}

export function bindReadiness() {
  model.readinessSort = parseSort(localStore.get(SORT_KEY));
  dom.readinessOpen.addEventListener("click", openReadiness);
  $("readiness-back").addEventListener("click", closeReadiness);
  $("readiness-refresh").addEventListener("click", () => loadBoard());
  $("readiness-csv").addEventListener("click", downloadCsv);
  $("readiness-test-all").addEventListener("click", () => runAction("test_run_all"));
  $("readiness-table").querySelector("thead").addEventListener("click", onHeaderClick);
  $("readiness-body").addEventListener("click", onBodyClick);
  $("readiness-body").addEventListener("keydown", onBodyKey);
  $("readiness-dialog-retest").addEventListener("click", () => {
    const button = $("readiness-dialog-retest");
    if (local.openId !== null && !button.disabled) runAction("test_run", local.openId);
  });
  $("readiness-dialog").addEventListener("close", () => {
    local.openId = null;
  });
}
