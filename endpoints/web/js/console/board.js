/*
 * board.js — the board of one session: its title and state, the connection, the roster
 * table (roster.js), the hands queue (hands.js) and the action bar (action-bar.js).
 * From 13 sites on it is compact (a grid of one-line rows, three across at 1366 px), so 60
 * sites fit a 1366×768 screen; the "compact" button overrides that and the choice is
 * remembered (localStorage "bridge.console.density"). Above it: the filter and sort boxes
 * (the sort is remembered, localStorage "bridge.console.sort") and the counts.
 */

import { element, localStore } from "../common/dom.js";
import { errorText, t } from "../common/i18n.js";
import { renderActionBar } from "./action-bar.js";
import { socket } from "./connection.js";
import { dom } from "./elements.js";
import { renderHands } from "./hands.js";
import { model, siteName } from "./model.js";
import { NOT_PERMITTED } from "./actions.js";
import { SORTS, summarize } from "./order.js";
import { allows, PROFILE_ACTIONS } from "./profiles-api.js";
import { restartPreviews, stopPreviews } from "./previews.js";
import { paintBadges, regateRetests } from "./readiness.js";
import { renderRows, shownOrder, warningsOf } from "./roster.js";

const DENSITY_KEY = "bridge.console.density";
const SORT_KEY = "bridge.console.sort";
const DENSE_FROM = 13; // sites: from this many on, the board is compact unless told otherwise

export function renderBoard() {
  const session = model.session;
  dom.boardTitle.textContent = session ? session.title : t("console.board.loading");
  dom.boardState.dataset.state = session ? session.state : "";
  dom.boardState.textContent = session
    ? t(`state.session.${session.state}`, {}, session.state)
    : "";
  dom.boardState.hidden = !session;
  // The profiles screen needs profile.list; without it the button says why it is off.
  const profiles = allows(PROFILE_ACTIONS.list, model.actions);
  dom.profilesOpen.disabled = !profiles;
  dom.profilesOpen.dataset.permitted = String(profiles);
  if (profiles) dom.profilesOpen.removeAttribute("title");
  else dom.profilesOpen.title = t(NOT_PERMITTED);

  const state = model.state;
  dom.conn.dataset.state = state;
  const seconds = socket.secondsToRetry();
  if (state === "stopped") {
    dom.connText.textContent = errorText(model.lastError && model.lastError.code,
      model.lastError && model.lastError.message);
  } else if ((state === "reconnecting" || state === "waiting") && seconds !== null) {
    dom.connText.textContent = t(`console.conn.${state}_in`, { seconds });
  } else {
    dom.connText.textContent = t(`console.conn.${state}`, {}, "");
  }
  renderRoster();
}

function densityOverride() {
  const saved = localStore.get(DENSITY_KEY);
  return saved === "dense" || saved === "comfortable" ? saved : null;
}

export function toggleDensity() {
  localStore.set(DENSITY_KEY, model.dense ? "comfortable" : "dense");
  renderBoard();
}

/** The sort box and the filter box: wired once, at start. */
export function bindFinders() {
  const saved = localStore.get(SORT_KEY);
  if (SORTS.includes(saved)) model.sort = saved;
  dom.sort.value = model.sort;
  dom.sort.addEventListener("change", () => {
    model.sort = SORTS.includes(dom.sort.value) ? dom.sort.value : "roster";
    localStore.set(SORT_KEY, model.sort);
    renderRoster();
  });
  dom.filter.addEventListener("input", () => {
    model.filter = dom.filter.value;
    renderRoster();
  });
  dom.filter.addEventListener("keydown", (event) => {
    if (event.key !== "Escape" || !dom.filter.value) return;
    event.preventDefault(); // Esc empties the box first, then leaves it
    dom.filter.value = "";
    model.filter = "";
    renderRoster();
  });
}

const SUMMARY = [
  "total",
  "connected",
  "connecting",
  "offline",
  "no_media",
  "muted",
  "hands",
  "devices",
];
/* Counts said only when there is something to say. */
const ONLY_WHEN_SOME = new Set(["no_media", "devices"]);

/* The counts as one labelled number each (tests and screen readers read them apart). */
export function renderSummary() {
  const devices = new Map(model.sites.map((s) => [s.id, warningsOf(s).length]));
  const counts = summarize(model.sites, model.quality, devices);
  if (!model.sites.length) {
    dom.summary.replaceChildren();
    return;
  }
  let spans = [...dom.summary.children];
  if (spans.length !== SUMMARY.length) {
    spans = SUMMARY.map((key) => element("span", { className: "count", dataset: { count: key } }));
    dom.summary.replaceChildren(...spans);
  }
  SUMMARY.forEach((key, i) => {
    const span = spans[i];
    const value = String(counts[key]);
    const text = t(`console.summary.${key}`, { count: counts[key] });
    if (span.dataset.value !== value) span.dataset.value = value;
    if (span.textContent !== text) span.textContent = text;
    span.hidden = ONLY_WHEN_SOME.has(key) && counts[key] === 0;
  });
  const shown = dom.rosterBody.querySelectorAll("tr:not([hidden])").length;
  dom.summary.dataset.shown = String(shown);
}

export function renderRoster() {
  const override = densityOverride();
  const wasDense = model.dense;
  model.dense = override ? override === "dense" : model.sites.length >= DENSE_FROM;
  if (wasDense !== model.dense && model.state === "ready") {
    // Previews belong to the full board only: the compact one has no room for pictures,
    // and a console that shows none should not pull sixty small streams.
    if (model.dense) stopPreviews();
    else restartPreviews();
  }
  dom.rosterTable.dataset.density = model.dense ? "dense" : "comfortable";
  dom.density.setAttribute("aria-pressed", String(model.dense));
  if (model.selected !== null && !model.sites.some((s) => s.id === model.selected)) {
    model.selected = null;
  }
  renderRows();
  paintBadges(); // each card's readiness badge (once the readiness board has been read)
  regateRetests(); // a hall that connected can be tested now (when that board is shown)
  const emptyKey =
    model.state === "ready"
      ? "console.roster.empty"
      : model.state === "waiting"
        ? "console.roster.waiting"
        : null;
  const noMatch = model.sites.length > 0 && shownOrder.length === 0;
  dom.rosterEmpty.hidden = noMatch ? false : model.sites.length > 0 || !emptyKey;
  dom.rosterEmpty.textContent = noMatch
    ? t("console.find.none", { query: model.filter.trim() })
    : emptyKey
      ? t(emptyKey)
      : "";

  renderSummary();
  const shownId = model.shown ? model.shown.site_id : null;
  dom.floor.textContent = model.floor !== null ? siteName(model.floor) : t("console.floor.none");
  dom.shown.textContent = shownId !== null ? siteName(shownId) : "—";
  renderHands();
  renderActionBar();
}
