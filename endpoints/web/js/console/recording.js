/*
 * recording.js — issue 14: whether the session is being recorded, on the console. The
 * badge "● ĐANG GHI (từ 09:05)" beside the floor and the shown hall, and the one button that
 * starts or stops recording (its action, and the question it asks first, are in actions.js:
 * `record_start` / `record_stop`, permission `recording.control`). `ready.recording` says how
 * it is on joining, `recording {on, since}` each change, which the log tells in words.
 */

import { formatTime, t } from "../common/i18n.js";
import { dom } from "./elements.js";
import { logEvent } from "./log.js";
import { model } from "./model.js";

/** `entry` from `ready` (absent from an older bridge) or a `recording` message. */
export function onRecording(entry, announce) {
  const on = Boolean(entry && entry.on);
  const was = model.recording.on;
  model.recording = { on, since: (entry && entry.since) || null };
  if (announce && on !== was) {
    logEvent("info", () => t(on ? "console.log.recording_on" : "console.log.recording_off"));
  }
}

export function renderRecordButton() {
  const on = model.recording.on;
  dom.record.textContent = t(on ? "console.action.record_stop" : "console.action.record_start");
  dom.record.dataset.recording = String(on);
  dom.recording.hidden = !on;
  const since = model.recording.since ? new Date(model.recording.since) : null;
  dom.recordingSince.textContent =
    since && !Number.isNaN(since.getTime())
      ? t("console.recording.since", { time: formatTime(since) })
      : "";
}
