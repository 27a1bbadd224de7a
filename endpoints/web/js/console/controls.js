/*
 * controls.js — taking an action of the table (actions.js), from whatever asked for it:
 * a row button, the selected bar, the session-wide buttons, the hands queue or a key.
 * The table says whether it may be taken now; this asks first when it cannot be undone,
 * sends its message (a control with a request id, so an error names what failed) and logs it.
 */

import { t } from "../common/i18n.js";
import { action, enabled, NOT_PERMITTED, permitted, resolve } from "./actions.js";
import { confirmAction } from "./confirm.js";
import { send } from "./connection.js";
import { logEvent } from "./log.js";
import { boardNow, model, siteById, siteName } from "./model.js";

/** Control requests waiting for an answer: request id → {action, siteId}. */
export const pending = new Map();
let requestSeq = 0;

/** Whether `name` may be taken now, on `site` for a site action. */
export function can(name, site = null) {
  return enabled(name, site, boardNow(), model.actions);
}

/**
 * A control's state from the table: disabled unless `can`; one this account may not use
 * carries [data-permitted="false"] and says so in its tooltip (after its own `title`).
 */
export function applyControl(control, name, site = null, title = null) {
  const allowed = permitted(name, model.actions);
  control.disabled = !can(name, site);
  control.dataset.permitted = String(allowed);
  const tip = allowed ? title : [title, t(NOT_PERMITTED)].filter(Boolean).join(" — ");
  if (tip) control.title = tip;
  else control.removeAttribute("title");
}

/** Take `name` (on site `siteId`, or the session when null); `value` for a switch. */
export async function runAction(name, siteId = null, value = undefined) {
  const site = siteId === null ? null : siteById(siteId);
  if (siteId !== null && !site) return;
  const resolved = resolve(name, site); // the mute button of a muted site unmutes it
  const entry = action(resolved);
  if (!can(resolved, site)) return;
  if (entry.confirm) {
    const params = { name: site ? site.name : "", title: model.session ? model.session.title : "" };
    if (!(await confirmAction(entry.confirm, params))) return;
  }
  if (entry.control) sendControl(resolved, site ? site.id : null);
  else send(entry.message(site, value));
}

/** Send one control message; `siteId` null for the session-wide ones. */
function sendControl(name, siteId) {
  const id = `c${++requestSeq}`;
  const message = { ...action(name).message(siteId === null ? null : { id: siteId }), id };
  if (!send(message)) return;
  pending.set(id, { action: name, siteId });
  const siteLabel = siteId === null ? "" : siteName(siteId);
  logEvent("info", () => t(`console.log.sent_${name}`, { name: siteLabel }));
}
