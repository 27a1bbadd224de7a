/*
 * hall-detail.js — a hall's devices: the `profile_status` and `health` rows kept in the
 * model and drawn on its card (roster.js: the profile mark and the warning lines), and the
 * details dialog (#hall-dialog) the mark opens: the profile's state and the fields that
 * differ, the microphone's level, peak and clipping, the camera's fps and resolution, the
 * output device playing, the devices in use and any that are missing.
 *
 * `health` comes once a second for up to 100 halls: only the cards whose warnings or mark
 * changed are touched, and the counts and the order only when a hall's count changed.
 */

import { element } from "../common/dom.js";
import { currentLang, t } from "../common/i18n.js";
import { renderBoard, renderSummary } from "./board.js";
import { differingFields, shownValue, STATE_KEYS, warningsSignature } from "./devices.js";
import { model, siteById } from "./model.js";
import { paintDevices, warningsOf } from "./roster.js";

const $ = (id) => document.getElementById(id);
let openId = null; // the hall the dialog shows, or null

function signatures(ids) {
  const out = new Map();
  for (const id of ids) {
    const site = siteById(id);
    if (!site) continue;
    const status = model.profileStatus.get(id);
    out.set(id, `${warningsSignature(warningsOf(site), status && status.state)}|${model.health.has(id)}`);
  }
  return out;
}

/* After a row changed what some halls show: repaint their cards; redraw the counts (and
 * the order, when sorted by warnings) only when a hall's warning count changed. */
function after(ids, before) {
  const now = signatures(ids);
  const changed = [...ids].filter((id) => before.get(id) !== now.get(id));
  if (changed.length) {
    // the signature's second part lists the warnings: empty when there are none
    const warned = (sig) => Boolean(sig && sig.split("|")[1]);
    const moved = changed.some((id) => warned(before.get(id)) !== warned(now.get(id)));
    paintDevices(changed);
    if (moved && model.sort === "devices") renderBoard();
    else if (moved) renderSummary();
  }
  if (openId !== null && ids.has(openId)) renderDetail();
}

export function onProfileStatus(entries) {
  if (!Array.isArray(entries)) return;
  const ids = new Set(entries.map((e) => e.id));
  const before = signatures(ids);
  for (const entry of entries) model.profileStatus.set(entry.id, entry);
  after(ids, before);
  document.dispatchEvent(new CustomEvent("bridge:profile-status"));
}

export function onHealth(entries) {
  if (!Array.isArray(entries)) return;
  const ids = new Set([...model.health.keys(), ...entries.map((e) => e.id)]);
  const before = signatures(ids);
  model.health = new Map(entries.map((e) => [e.id, e]));
  after(ids, before);
}

/* One number format per language and digits (toLocaleString makes one per call). */
const formats = new Map();
function num(value, digits = 0) {
  if (value === null || value === undefined) return "–";
  const locale = currentLang() === "en" ? "en-GB" : "vi-VN";
  const key = `${locale}/${digits}`;
  if (!formats.has(key)) {
    formats.set(key, new Intl.NumberFormat(locale, { maximumFractionDigits: digits }));
  }
  return formats.get(key).format(Number(value));
}

function row(list, labelKey, value, code = "") {
  list.append(
    element("dt", { text: t(labelKey) }),
    element("dd", { text: value, dataset: code ? { detail: code } : undefined }),
  );
}

function renderDetail() {
  const site = siteById(openId);
  const dialog = $("hall-dialog");
  if (!site || !dialog) return;
  const status = model.profileStatus.get(site.id);
  const health = model.health.get(site.id);
  $("hall-dialog-title").textContent = site.name;
  const list = $("hall-dialog-list");
  list.replaceChildren();
  const state = status ? status.state : "offline";
  row(list, "console.detail.profile_state", t(STATE_KEYS[state] || STATE_KEYS.offline), "state");
  if (status) {
    row(
      list,
      "console.detail.revision",
      t("console.detail.revision_value", {
        revision: status.revision,
        applied: status.applied_revision ?? "–",
      }),
    );
  }
  const h = health || {};
  row(
    list,
    "console.detail.mic",
    t("console.detail.mic_value", { level: num(h.mic_level_db, 1), peak: num(h.mic_peak_db, 1) }),
    "mic",
  );
  row(
    list,
    "console.detail.clipping",
    h.mic_clipping === null || h.mic_clipping === undefined
      ? "–"
      : `${num(h.mic_clipping * 100, 1)} %`,
    "clipping",
  );
  row(
    list,
    "console.detail.camera",
    t("console.detail.camera_value", {
      fps: num(h.camera_fps, 1),
      width: h.camera_width ?? "–",
      height: h.camera_height ?? "–",
    }),
    "camera",
  );
  const playing =
    h.speaker_playing === true
      ? t("console.detail.playing")
      : h.speaker_playing === false
        ? t("console.detail.not_playing")
        : "";
  row(
    list,
    "console.detail.speaker",
    [h.speaker || "–", playing].filter(Boolean).join(" · "),
    "speaker",
  );
  const devices = (status && status.devices) || {};
  row(list, "console.detail.in_use", ["microphone", "speaker", "camera"]
    .map((k) => `${t(`console.detail.kind_${k}`)}: ${devices[k] || "–"}`)
    .join(" · "));
  const warnings = warningsOf(site);
  row(
    list,
    "console.detail.warnings",
    warnings.length ? warnings.map((w) => t(w.key, w.params)).join("; ") : t("console.detail.none"),
    "warnings",
  );
  for (const f of differingFields(status)) {
    row(
      list,
      "console.detail.differs",
      t("console.detail.differs_value", {
        path: f.path,
        desired: shownValue(f.desired),
        readback: shownValue(f.readback),
      }),
      `differs:${f.path}`,
    );
  }
  for (const p of (status && status.problems) || []) {
    row(list, "console.detail.problem", `${p.field}: ${p.message}`, "problem");
  }
}

/** Clicks on a card's profile mark open that hall's details. */
export function bindHallDetail(root) {
  root.addEventListener("click", (event) => {
    const mark = event.target.closest("button[data-detail]");
    if (!mark) return;
    event.stopPropagation();
    openDetail(Number(mark.dataset.detail));
  });
  const dialog = $("hall-dialog");
  dialog.addEventListener("close", () => {
    openId = null;
  });
}

export function openDetail(siteId) {
  const dialog = $("hall-dialog");
  openId = siteId;
  renderDetail();
  if (!dialog.open) dialog.showModal();
}
