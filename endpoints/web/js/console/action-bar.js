/*
 * action-bar.js — the bar above the board: the selected row's actions (click a row, or
 * j/k) and the session-wide ones (mute all but the host, unmute all, end the session), and
 * the voice-activated switch. Each is enabled by the action table (actions.js).
 */

import { t } from "../common/i18n.js";
import { resolve } from "./actions.js";
import { applyControl } from "./controls.js";
import { dom } from "./elements.js";
import { model, siteById } from "./model.js";
import { renderRecordButton } from "./recording.js";

const SESSION_BUTTONS = () => [
  [dom.muteAll, "mute_all_except_host"],
  [dom.unmuteAll, "unmute_all"],
  [dom.end, "end_session"],
];

export function renderActionBar() {
  const site = model.selected === null ? null : siteById(model.selected);
  dom.selectedName.textContent = site ? site.name : t("console.selected.none");
  dom.selectedBar.dataset.siteId = site ? String(site.id) : "";
  for (const button of dom.selectedBar.querySelectorAll("button[data-selected-action]")) {
    const name = resolve(button.dataset.selectedAction, site);
    if (site && button.dataset.selectedAction === "mute") {
      button.textContent = t(site.muted ? "console.action.unmute" : "console.action.mute");
    }
    applyControl(button, name, site);
  }
  for (const [button, name] of SESSION_BUTTONS()) applyControl(button, name);
  renderRecordButton(); // issue 14
  if (dom.voice) {
    applyControl(dom.voice, "voice_activated");
    // The tooltip belongs on the label, the part one points at.
    const label = dom.voice.closest("label");
    if (label) {
      if (dom.voice.title) label.title = dom.voice.title;
      else label.removeAttribute("title");
    }
  }
}
