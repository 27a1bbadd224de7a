/*
 * roster.js — the board's table: a row per site, built from the COLUMNS list, each cell
 * filled in place (a site keeps its row, so a preview keeps playing), in the order the
 * sort box says and without the rows the filter box hides (order.js). A name is shown in
 * full without "Điểm cầu" and with its administrative unit as a tag (names.js). Network
 * quality grades (good / fair / poor, computed by the bridge, see docs/protocol.md) show as
 * a coloured dot with a letter, the figures in the cell's tooltip; a hall from which no
 * media arrives (`no_media`) says so in words.
 *
 * Meters come at 10 Hz for up to 100 rows: they touch only the bar (a layout boundary, so
 * nothing else is laid out again) and every write is skipped when the value is unchanged.
 */

import { element } from "../common/dom.js";
import { currentLang, t } from "../common/i18n.js";
import { resolve } from "./actions.js";
import { applyControl } from "./controls.js";
import { dom } from "./elements.js";
import { hands, model } from "./model.js";
import { parseHallName } from "./names.js";
import { deviceWarnings, STATE_KEYS, STATE_MARKS, warningsSignature } from "./devices.js";
import { matches, shownState, sortSites } from "./order.js";
import { previews } from "./previews.js";

/** site id → its <tr>. */
export const rows = new Map();
/** The site ids the board shows now, top to bottom (sorted, filtered): j/k follow it. */
export let shownOrder = [];
/* Each raised hand's place in the queue, worked out once a render (not once a row). */
let handPlaces = new Map();

const setText = (el, text) => {
  if (el.textContent !== text) el.textContent = text;
};
const setAttr = (el, name, value) => {
  if (el.getAttribute(name) !== value) el.setAttribute(name, value);
};
const setData = (el, key, value) => {
  if (el.dataset[key] !== value) el.dataset[key] = value;
};

/** The tag before a name: its unit as the name says it ("Thành phố"), else its level. */
export function unitLabel(site) {
  const unit = parseHallName(site.name).unit;
  if (unit) return t(`console.unit.${unit}`);
  return site.level ? t(`level.${site.level}`, {}, site.level) : "";
}

/* One entry per column, in table order; a new column adds an entry here and a <th> in
 * console.html. */
const COLUMNS = [
  { cls: "col-index", fill: (td, site, index) => setText(td, String(index + 1)) },
  { cls: "col-level", fill: fillLevel },
  { cls: "col-name", fill: fillName },
  { cls: "col-state", fill: fillState },
  { cls: "col-hand", fill: fillHand },
  { cls: "col-audio", fill: fillAudio },
  { cls: "col-quality", fill: fillQuality },
  { cls: "col-profile", fill: fillProfile },
  { cls: "col-actions", fill: fillActions },
  { cls: "col-devices", fill: fillDevices },
];

/** A hall's device warnings now (devices.js), from the model's last rows. */
export function warningsOf(site) {
  return deviceWarnings(
    model.profileStatus.get(site.id),
    model.health.get(site.id),
    site.state === "connected",
  );
}

/* The profile's state as a small mark (✓ confirmed, … pending, ≠ differs), a button that
 * opens the hall's device details; hidden while the hall is offline or the bridge has said
 * nothing of its devices. */
function fillProfile(td, site) {
  let mark = td.firstElementChild;
  if (!mark) {
    mark = element("button", {
      type: "button",
      className: "profile-mark",
      dataset: { detail: String(site.id) },
    });
    td.append(mark);
  }
  const status = model.profileStatus.get(site.id);
  // An offline hall has nothing to confirm now (its last answer is on the profiles screen):
  // no mark, so its name keeps the whole line.
  const known = Boolean((status && status.state !== "offline") || model.health.has(site.id));
  mark.hidden = !known;
  if (!known) return;
  const state = status ? status.state : "offline";
  setData(mark, "state", state);
  setText(mark, STATE_MARKS[state] || "?");
  const label = t("console.devices.open", {
    name: site.name,
    state: t(STATE_KEYS[state] || STATE_KEYS.offline),
  });
  setAttr(mark, "aria-label", label);
  setAttr(mark, "title", label);
}

/* One line per warning, each whole (wrapped, never cut); none: the cell takes no room. */
function fillDevices(td, site) {
  const warnings = warningsOf(site);
  const status = model.profileStatus.get(site.id);
  const signature = `${warningsSignature(warnings, status && status.state)}|${currentLang()}`;
  if (td.dataset.signature === signature) return;
  td.dataset.signature = signature;
  td.dataset.count = String(warnings.length);
  td.replaceChildren(
    ...warnings.map((w) =>
      element("span", {
        className: "device-warning",
        dataset: { code: w.code },
        text: t(w.key, w.params),
      }),
    ),
  );
}

/** Repaint only the device cells of the halls named (health comes once a second). */
export function paintDevices(ids) {
  for (const id of ids) {
    const row = rows.get(String(id));
    const site = model.sites.find((s) => s.id === id);
    if (!row || !site) continue;
    fillProfile(row.querySelector(".col-profile"), site);
    fillDevices(row.querySelector(".col-devices"), site);
    const count = row.querySelector(".col-devices").dataset.count || "0";
    setData(row, "devices", count === "0" ? "false" : "true");
  }
}

function fillLevel(td, site) {
  setText(td, unitLabel(site));
  setData(td, "level", site.level || "");
}

function fillName(td, site) {
  let name = td.querySelector(".site-name-text");
  if (!name) {
    const video = element("video", {
      className: "site-preview",
      muted: true,
      autoplay: true,
      playsInline: true,
    });
    video.addEventListener("playing", () => {
      model.previewing.add(site.id);
      video.dataset.playing = "true";
    });
    // A screen reader hears the official name; the eye reads it without the repeated
    // hall word and unit (the unit is the level tag before it).
    const full = element("span", { className: "visually-hidden site-full-name" });
    name = element("span", { className: "site-name-text", attrs: { "aria-hidden": "true" } });
    const badge = element("span", { className: "badge badge-host" });
    const shown = element("span", { className: "badge badge-shown" });
    const floor = element("span", { className: "badge badge-floor" });
    td.append(video, full, name, " ", badge, " ", shown, " ", floor);
  }
  setText(td.querySelector(".site-full-name"), site.name);
  setText(name, parseHallName(site.name).display);
  setAttr(td, "title", site.name);
  const floor = td.querySelector(".badge-floor");
  setText(floor, t("console.floor.badge"));
  floor.hidden = model.floor !== site.id;
  const badge = td.querySelector(".badge-host");
  setText(badge, t("console.host"));
  badge.hidden = !site.host;
  const shown = td.querySelector(".badge-shown");
  setText(shown, t("console.shown"));
  shown.hidden = !(model.shown && model.shown.site_id === site.id);
  const video = td.querySelector(".site-preview");
  const stream = previews.get(site.id) || null;
  if (video.srcObject !== stream) video.srcObject = stream;
  video.hidden = !stream;
}

function fillState(td, site) {
  let tag = td.firstElementChild;
  if (!tag) {
    const dot = element("span", { className: "dot", attrs: { "aria-hidden": "true" } });
    tag = element("span", { className: "state" }, dot, element("span"));
    td.append(tag);
  }
  paintState(td, site);
}

/* The connection state; a connected hall with no media says "Mất tín hiệu" in words. */
function paintState(td, site) {
  const tag = td && td.firstElementChild;
  if (!tag) return;
  const state = shownState(site, model.quality.get(site.id));
  setData(tag, "state", state);
  const text = site.removed
    ? t("console.state.removed")
    : state === "no_media"
      ? t("console.state.no_media")
      : t(`state.site.${state}`, {}, state);
  setText(tag.lastElementChild, text);
  setAttr(td, "title", text); // the compact board shows the dot only (but for no media)
}

function fillAudio(td, site) {
  let tag = td.firstElementChild;
  if (!tag) {
    const icon = element("span", { className: "audio-icon", attrs: { "aria-hidden": "true" } });
    tag = element("span", { className: "audio-state" }, icon, element("span"));
    td.append(tag);
  }
  setData(tag, "muted", String(Boolean(site.muted)));
  setText(tag.lastElementChild, t(site.muted ? "console.audio.muted" : "console.audio.open"));
  if (!td.querySelector(".meter")) {
    // aria-hidden: the talk state is announced as text
    const fill = element("span", { className: "meter-fill" });
    td.append(element("span", { className: "meter", attrs: { "aria-hidden": "true" } }, fill));
  }
  paintMeter(td, model.meters.get(site.id));
}

/* The input level bar, -60..0 dBFS, and talk state of one row; called at up to 10 Hz, so
 * it touches only this cell. A muted hall is still metered: the operator sees it talking. */
export function paintMeter(td, meter) {
  const fill = td && td.querySelector(".meter-fill");
  if (!fill) return;
  const level = meter ? meter.level : -120;
  const share = Math.max(0, Math.min(1, (level + 60) / 60)).toFixed(2);
  if (fill.dataset.share !== share) {
    fill.dataset.share = share;
    // The bar is a layout boundary (console.css: contain): only it is laid out again.
    fill.style.width = `${Math.round(Number(share) * 100)}%`;
  }
  setData(td, "talking", String(Boolean(meter && meter.talking)));
  const rounded = meter ? Math.round(level) : null;
  if (td.dataset.rounded !== String(rounded)) {
    td.dataset.rounded = String(rounded);
    td.title = meter ? t("console.audio.level", { level: rounded }) : "";
  }
}

/* A raised hand: its place in the queue, and a button to lower it. */
function fillHand(td, site) {
  let tag = td.querySelector(".hand");
  if (!tag) {
    tag = element("span", { className: "hand" });
    const lower = element("button", {
      type: "button",
      className: "button button-small button-lower",
      dataset: { action: "lower_hand", siteId: String(site.id) },
    });
    td.append(tag, lower);
  }
  const place = handPlaces.get(site.id) || 0;
  tag.hidden = !place;
  setText(tag, place ? String(place) : "");
  setAttr(td, "title", place ? t("console.hand.raised", { place }) : "");
  const lower = td.querySelector('button[data-action="lower_hand"]');
  lower.hidden = !place;
  applyControl(lower, "lower_hand", site);
  setText(lower, t("console.action.lower_hand_short"));
  setAttr(lower, "aria-label", t("console.action.lower_hand_site", { name: site.name }));
}

/* The link's grade as a coloured dot and a letter (never colour alone); figures in the
 * tooltip, and as small text on the comfortable board. */
function fillQuality(td, site) {
  if (!td.querySelector(".quality")) {
    const dot = element("span", { className: "quality-dot", attrs: { "aria-hidden": "true" } });
    const label = element("span", { className: "quality-label" });
    const figures = element("span", { className: "quality-figures" });
    td.append(element("span", { className: "quality" }, dot, label, figures));
  }
  paintQuality(td, site);
}

/* One number format per language and digits: `toLocaleString` builds a new one on each
 * call, which for 100 rows a second is most of the quality update's time. */
const formats = new Map();
function figure(value, digits = 0) {
  if (value === null || value === undefined) return "–";
  const locale = currentLang() === "en" ? "en-GB" : "vi-VN";
  const key = `${locale}/${digits}`;
  let format = formats.get(key);
  if (!format) {
    format = new Intl.NumberFormat(locale, {
      maximumFractionDigits: digits,
      minimumFractionDigits: digits,
    });
    formats.set(key, format);
  }
  return format.format(Number(value));
}

export function paintQuality(td, site) {
  const tag = td && td.querySelector(".quality");
  if (!tag) return;
  const q = site.state === "connected" ? model.quality.get(site.id) : null;
  const grade = q ? q.grade : "unknown";
  setData(tag, "grade", grade);
  setData(tag, "noMedia", String(Boolean(q && q.no_media === true)));
  setText(tag.querySelector(".quality-label"), t(`console.quality.${grade}`));
  const worst = (a, b) => (a === null && b === null ? null : Math.max(a ?? 0, b ?? 0));
  setText(
    tag.querySelector(".quality-figures"),
    q
      ? t("console.quality.short", {
          rtt: figure(q.rtt_ms),
          loss: figure(worst(q.loss_in_pct, q.loss_out_pct), 1),
        })
      : "",
  );
  const title = q
    ? t("console.quality.detail", {
        grade: t(`console.quality.${grade}_long`),
        rtt: figure(q.rtt_ms),
        loss_in: figure(q.loss_in_pct, 1),
        loss_out: figure(q.loss_out_pct, 1),
        jitter_in: figure(q.jitter_in_ms),
        jitter_out: figure(q.jitter_out_ms),
      })
    : t("console.quality.unknown_long");
  setAttr(td, "title", title);
}

/* One mute toggle (its data-action says what a click does), give the floor, show. */
function fillActions(td, site) {
  if (!td.firstElementChild) {
    for (const name of ["mute", "give_floor", "show"]) {
      td.append(
        element("button", {
          type: "button",
          className: `button button-small button-${name}`,
          dataset: { action: name, siteId: String(site.id) },
        }),
      );
    }
  }
  const [toggle, floor, show] = td.children;
  const toggleAction = resolve("mute", site);
  setData(toggle, "action", toggleAction);
  const toggleClass = `button button-small button-${toggleAction}`;
  if (toggle.className !== toggleClass) toggle.className = toggleClass;
  // The compact board has room for a word per button; the full name is in the label.
  const short = model.dense ? "_short" : "";
  setText(toggle, t(site.muted ? `console.action.unmute${short}` : `console.action.mute${short}`));
  const toggleLabel = t(site.muted ? "console.action.unmute_site" : "console.action.mute_site", {
    name: site.name,
  });
  setAttr(toggle, "aria-label", toggleLabel);
  applyControl(toggle, toggleAction, site, toggleLabel);
  setText(floor, t(`console.action.give_floor${short}`));
  const floorLabel = t("console.action.give_floor_site", { name: site.name });
  setAttr(floor, "aria-label", floorLabel);
  applyControl(floor, "give_floor", site, floorLabel);
  setText(show, t(`console.action.show${short}`));
  setAttr(show, "aria-label", t("console.action.show_site", { name: site.name }));
  applyControl(show, "show", site);
}

function fillRow(tr, site, index) {
  const data = {
    siteId: String(site.id),
    state: site.state,
    noMedia: String(shownState(site, model.quality.get(site.id)) === "no_media"),
    muted: String(Boolean(site.muted)),
    host: String(Boolean(site.host)),
    hand: String(Boolean(site.hand_raised)),
    floor: String(model.floor === site.id),
    shown: String(Boolean(model.shown && model.shown.site_id === site.id)),
    removed: String(Boolean(site.removed)),
    selected: String(model.selected === site.id),
    devices: String(warningsOf(site).length > 0),
  };
  for (const [key, value] of Object.entries(data)) setData(tr, key, value);
  setAttr(tr, "aria-selected", data.selected);
  const cells = tr.children;
  COLUMNS.forEach((col, i) => col.fill(cells[i], site, index));
}

function newRow() {
  const tr = document.createElement("tr");
  for (const col of COLUMNS) {
    const td = document.createElement(col.cls === "col-name" ? "th" : "td");
    if (col.cls === "col-name") td.scope = "row";
    td.className = col.cls;
    tr.append(td);
  }
  return tr;
}

/** Rows for the roster as it is: a row per site (made once, kept while the site is in
 * the roster), put in the sorted order when it changes, hidden when filtered out. The
 * number is the site's place in the roster, whatever the sort. */
export function renderRows() {
  const live = new Set(model.sites.map((s) => String(s.id)));
  for (const id of [...rows.keys()]) if (!live.has(id)) rows.delete(id);
  for (const site of model.sites) if (!rows.has(String(site.id))) rows.set(String(site.id), newRow());
  const devices = new Map(model.sites.map((s) => [s.id, warningsOf(s).length]));
  const sorted = sortSites(model.sites, model.sort, { quality: model.quality, devices });
  const ids = sorted.map((s) => String(s.id));
  const current = [...dom.rosterBody.children].map((tr) => tr.dataset.siteId);
  if (ids.join(",") !== current.join(",")) {
    dom.rosterBody.replaceChildren(...ids.map((id) => rows.get(id)));
    // A moved <video> is paused by the move: start the previews again.
    for (const video of dom.rosterBody.querySelectorAll("video.site-preview")) {
      if (video.srcObject) video.play().catch(() => {});
    }
  }
  const place = new Map(model.sites.map((s, i) => [s.id, i]));
  handPlaces = new Map(hands().map((s, i) => [s.id, i + 1]));
  const order = [];
  for (const site of sorted) {
    const tr = rows.get(String(site.id));
    fillRow(tr, site, place.get(site.id));
    const visible = matches(site, model.filter, unitLabel(site));
    if (tr.hidden === visible) tr.hidden = !visible;
    if (visible) order.push(site.id);
  }
  shownOrder = order;
}

export function onMeters(entries) {
  if (!Array.isArray(entries)) return;
  for (const meter of entries) {
    model.meters.set(meter.id, meter);
    const row = rows.get(String(meter.id));
    if (row) paintMeter(row.querySelector(".col-audio"), meter);
  }
}

export function onQuality(entries) {
  if (!Array.isArray(entries)) return;
  const before = model.quality;
  model.quality = new Map(entries.map((e) => [e.id, e]));
  const noMedia = (map, id) => Boolean(map.get(id) && map.get(id).no_media === true);
  let stateChanged = false;
  for (const site of model.sites) {
    const row = rows.get(String(site.id));
    if (!row) continue;
    paintQuality(row.querySelector(".col-quality"), site);
    if (noMedia(before, site.id) !== noMedia(model.quality, site.id)) {
      stateChanged = true;
      paintState(row.querySelector(".col-state"), site);
      setData(row, "noMedia", String(shownState(site, model.quality.get(site.id)) === "no_media"));
    }
  }
  return stateChanged; // the caller redraws the counts (and the state sort) then
}
