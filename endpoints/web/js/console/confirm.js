/*
 * confirm.js — the question asked before an action that cannot be undone (#confirm-dialog).
 */

import { t } from "../common/i18n.js";
import { dom } from "./elements.js";

/** Ask; resolves true on "OK". `keys`: catalogue keys {title, text, ok}. */
export function confirmAction(keys, params = {}) {
  dom.confirmTitle.textContent = t(keys.title, params);
  dom.confirmText.textContent = t(keys.text, params);
  dom.confirmOk.textContent = t(keys.ok, params);
  dom.confirm.returnValue = "";
  return new Promise((resolve) => {
    dom.confirm.addEventListener("close", () => resolve(dom.confirm.returnValue === "ok"), {
      once: true,
    });
    dom.confirm.showModal();
    dom.confirm.querySelector('button[value="cancel"]').focus();
  });
}
