/*
 * keyboard.js — the keyboard shortcuts of the action table (actions.js), listed in the
 * help dialog (?). Site actions act on the selected row. Typing in a field never triggers
 * one, nor does a key while a dialog is open.
 */

import { element } from "../common/dom.js";
import { t } from "../common/i18n.js";
import { action, actionForKey, nextHand, shortcuts } from "./actions.js";
import { toggleDensity } from "./board.js";
import { can, runAction } from "./controls.js";
import { dom } from "./elements.js";
import { model, viewOf } from "./model.js";
import { moveSelection, select } from "./selection.js";

/** The actions that only change this screen. */
const VIEW_ACTIONS = {
  next: () => moveSelection(1),
  previous: () => moveSelection(-1),
  compact: () => toggleDensity(),
  find: () => {
    dom.filter.focus();
    dom.filter.select();
  },
  help: () => showHelp(),
  unselect: () => select(null),
};

function run(name) {
  const entry = action(name);
  if (entry.scope === "view") {
    VIEW_ACTIONS[name]();
  } else if (name === "next_hand") {
    const first = nextHand(model.sites);
    if (first && can(name)) runAction(entry.does, first.id);
  } else if (name === "voice_activated") {
    if (!can(name)) return;
    dom.voice.checked = !dom.voice.checked;
    runAction(name, null, dom.voice.checked);
  } else if (entry.scope === "site") {
    if (model.selected !== null) runAction(name, model.selected);
  } else {
    runAction(name);
  }
}

function keyName(key) {
  const names = { ArrowDown: "↓", ArrowUp: "↑", Delete: "Delete", Escape: "Esc" };
  return names[key] || key.toUpperCase();
}

export function showHelp() {
  dom.helpList.replaceChildren(
    ...shortcuts().flatMap((shortcut) => {
      const dt = element("dt");
      for (const key of shortcut.keys) dt.append(element("kbd", { text: keyName(key) }), " ");
      return [dt, element("dd", { text: t(shortcut.help) })];
    }),
  );
  if (!dom.helpDialog.open) dom.helpDialog.showModal();
}

/** Typing in a field never triggers a shortcut (a checkbox or a button is not typing). */
function isTyping(target) {
  if (!(target instanceof Element)) return false;
  if (target.isContentEditable || target.closest("textarea, select")) return true;
  const input = target.closest("input");
  return Boolean(input) && !["checkbox", "radio", "button", "submit"].includes(input.type);
}

export function onKeyDown(event) {
  if (event.ctrlKey || event.metaKey || event.altKey || event.defaultPrevented) return;
  // Only on the board itself: the profiles screen over it has no shortcuts.
  if (viewOf(model.state, model.screen) !== "board" || isTyping(event.target)) return;
  if (dom.confirm.open || dom.helpDialog.open) return; // a dialog has the keyboard
  if (document.getElementById("hall-dialog")?.open) return;
  const name = actionForKey(event.key);
  if (!name) return;
  event.preventDefault();
  run(name);
}
