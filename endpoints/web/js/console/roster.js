/*
 * roster.js — the board's table: a row per site, built from the COLUMNS list, each cell
 * filled in place (rows are kept while the roster order stays, so a preview keeps playing).
 * Network quality grades (good / fair / poor, computed by the bridge, see docs/protocol.md)
 * show as a coloured dot with a letter; the figures are in the cell's tooltip.
 */

import { element } from "../common/dom.js";
import { currentLang, t } from "../common/i18n.js";
import { resolve } from "./actions.js";
import { applyControl } from "./controls.js";
import { dom } from "./elements.js";
import { handPlace, model } from "./model.js";
import { previews } from "./previews.js";

/** site id → its <tr>. */
export const rows = new Map();

/* One entry per column, in table order; a new column adds an entry here and a <th> in
 * console.html. */
const COLUMNS = [
  { cls: "col-index", fill: (td, site, index) => (td.textContent = String(index + 1)) },
  { cls: "col-name", fill: fillName },
  { cls: "col-level", fill: (td, site) => (td.textContent = t(`level.${site.level}`, {}, site.level)) },
  { cls: "col-state", fill: fillState },
  { cls: "col-hand", fill: fillHand },
  { cls: "col-audio", fill: fillAudio },
  { cls: "col-quality", fill: fillQuality },
  { cls: "col-actions", fill: fillActions },
];

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
    name = element("span", { className: "site-name-text" });
    const badge = element("span", { className: "badge badge-host" });
    const shown = element("span", { className: "badge badge-shown" });
    const floor = element("span", { className: "badge badge-floor" });
    td.append(video, name, " ", badge, " ", shown, " ", floor);
  }
  name.textContent = site.name;
  td.title = site.name; // the compact board may cut a long name short
  const floor = td.querySelector(".badge-floor");
  floor.textContent = t("console.floor.badge");
  floor.hidden = model.floor !== site.id;
  const badge = td.querySelector(".badge-host");
  badge.textContent = t("console.host");
  badge.hidden = !site.host;
  const shown = td.querySelector(".badge-shown");
  shown.textContent = t("console.shown");
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
  tag.dataset.state = site.state;
  const text = site.removed ? t("console.state.removed") : t(`state.site.${site.state}`, {}, site.state);
  tag.lastElementChild.textContent = text;
  td.title = text; // the compact board shows the dot only
}

function fillAudio(td, site) {
  let tag = td.firstElementChild;
  if (!tag) {
    const icon = element("span", { className: "audio-icon", attrs: { "aria-hidden": "true" } });
    tag = element("span", { className: "audio-state" }, icon, element("span"));
    td.append(tag);
  }
  tag.dataset.muted = String(Boolean(site.muted));
  tag.lastElementChild.textContent = t(site.muted ? "console.audio.muted" : "console.audio.open");
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
  const percent = Math.max(0, Math.min(100, ((level + 60) / 60) * 100));
  fill.style.width = `${percent.toFixed(0)}%`;
  td.dataset.talking = String(Boolean(meter && meter.talking));
  td.title = meter ? t("console.audio.level", { level: Math.round(level) }) : "";
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
  const place = handPlace(site.id);
  tag.hidden = !place;
  tag.textContent = place ? String(place) : "";
  td.title = place ? t("console.hand.raised", { place }) : "";
  const lower = td.querySelector('button[data-action="lower_hand"]');
  lower.hidden = !place;
  applyControl(lower, "lower_hand", site);
  lower.textContent = t("console.action.lower_hand_short");
  lower.setAttribute("aria-label", t("console.action.lower_hand_site", { name: site.name }));
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

const figure = (value, digits = 0) =>
  value === null || value === undefined
    ? "–"
    : Number(value).toLocaleString(currentLang() === "en" ? "en-GB" : "vi-VN", {
        maximumFractionDigits: digits,
        minimumFractionDigits: digits,
      });

export function paintQuality(td, site) {
  const tag = td && td.querySelector(".quality");
  if (!tag) return;
  const q = site.state === "connected" ? model.quality.get(site.id) : null;
  const grade = q ? q.grade : "unknown";
  tag.dataset.grade = grade;
  tag.querySelector(".quality-label").textContent = t(`console.quality.${grade}`);
  const worst = (a, b) => (a === null && b === null ? null : Math.max(a ?? 0, b ?? 0));
  tag.querySelector(".quality-figures").textContent = q
    ? t("console.quality.short", {
        rtt: figure(q.rtt_ms),
        loss: figure(worst(q.loss_in_pct, q.loss_out_pct), 1),
      })
    : "";
  td.title = q
    ? t("console.quality.detail", {
        grade: t(`console.quality.${grade}_long`),
        rtt: figure(q.rtt_ms),
        loss_in: figure(q.loss_in_pct, 1),
        loss_out: figure(q.loss_out_pct, 1),
        jitter_in: figure(q.jitter_in_ms),
        jitter_out: figure(q.jitter_out_ms),
      })
    : t("console.quality.unknown_long");
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
  toggle.dataset.action = toggleAction;
  toggle.className = `button button-small button-${toggleAction}`;
  // The compact board has room for a word per button; the full name is in the label.
  const short = model.dense ? "_short" : "";
  toggle.textContent = t(site.muted ? `console.action.unmute${short}` : `console.action.mute${short}`);
  const toggleLabel = t(site.muted ? "console.action.unmute_site" : "console.action.mute_site", {
    name: site.name,
  });
  toggle.setAttribute("aria-label", toggleLabel);
  applyControl(toggle, toggleAction, site, toggleLabel);
  floor.textContent = t(`console.action.give_floor${short}`);
  const floorLabel = t("console.action.give_floor_site", { name: site.name });
  floor.setAttribute("aria-label", floorLabel);
  applyControl(floor, "give_floor", site, floorLabel);
  show.textContent = t("console.action.show");
  show.setAttribute("aria-label", t("console.action.show_site", { name: site.name }));
  applyControl(show, "show", site);
}

function fillRow(tr, site, index) {
  tr.dataset.siteId = String(site.id);
  tr.dataset.state = site.state;
  tr.dataset.muted = String(Boolean(site.muted));
  tr.dataset.host = String(Boolean(site.host));
  tr.dataset.hand = String(Boolean(site.hand_raised));
  tr.dataset.floor = String(model.floor === site.id);
  tr.dataset.removed = String(Boolean(site.removed));
  tr.dataset.selected = String(model.selected === site.id);
  tr.setAttribute("aria-selected", String(model.selected === site.id));
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

/** Rows for the roster as it is: rebuilt when the order changes, refilled always. */
export function renderRows() {
  const ids = model.sites.map((s) => String(s.id));
  const current = [...dom.rosterBody.children].map((tr) => tr.dataset.siteId);
  if (ids.join(",") !== current.join(",")) {
    rows.clear();
    dom.rosterBody.replaceChildren(
      ...model.sites.map((site) => {
        const tr = newRow();
        rows.set(String(site.id), tr);
        return tr;
      }),
    );
  }
  model.sites.forEach((site, index) => fillRow(rows.get(String(site.id)), site, index));
}

export function onMeters(entries) {
  if (!Array.isArray(entries)) return;
  for (const meter of entries) {
    model.meters.set(meter.id, meter);
    const row = dom.rosterBody.querySelector(`tr[data-site-id="${Number(meter.id)}"]`);
    if (row) paintMeter(row.querySelector(".col-audio"), meter);
  }
}

export function onQuality(entries) {
  if (!Array.isArray(entries)) return;
  model.quality = new Map(entries.map((e) => [e.id, e]));
  for (const site of model.sites) {
    const row = rows.get(String(site.id));
    if (row) paintQuality(row.querySelector(".col-quality"), site);
  }
}
