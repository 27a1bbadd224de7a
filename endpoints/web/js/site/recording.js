/*
 * recording.js — issue 14: the session is being recorded, and the hall is told so plainly:
 * "● ĐANG GHI" / "● RECORDING", white on red, read from the back of the hall (site.css).
 * `joined` says whether it is (its `recording`), then `recording {on, since}` each time it
 * starts or stops. Shown while the hall takes part (connected), hidden otherwise: a page
 * that lost its bridge no longer knows.
 *
 *   diag.recording  {on: bool, since: ISO time | null}
 */

import { t } from "../common/i18n.js";
import { dom } from "./elements.js";
import { diag } from "./state.js";

diag.recording = { on: false, since: null };

/** A `joined` (its `recording`, absent from an older bridge) or a `recording` message. */
export function onRecording(entry) {
  diag.recording = {
    on: Boolean(entry && entry.on),
    since: (entry && entry.since) || null,
  };
}

export function renderRecording() {
  const shown = diag.recording.on && diag.state === "connected";
  dom.recording.hidden = !shown;
  dom.body.dataset.recording = String(shown);
  dom.recording.setAttribute("aria-label", t("site.recording.label"));
}
