/*
 * main.js — the operator console (console.html, GET /console): log in, pick a session,
 * watch and control its sites. HTTP JSON API with `Authorization: Bearer <token>` and
 * `Accept-Language` set to the UI language (common/api.js); the board's WebSocket follows
 * docs/protocol.md.
 *
 *   model.js        what the console knows (window.bridgeConsole, for tests)
 *   elements.js     its DOM hooks
 *   actions.js      every action in one table: label, shortcut, when enabled, message
 *   controls.js     taking an action from any control; pending requests
 *   auth.js, login.js, sessions.js, navigation.js, views.js   login and the views
 *   connection.js, events.js    the board's socket and what it hears
 *   board.js, roster.js, hands.js, action-bar.js, log.js, previews.js   the board
 *   selection.js, keyboard.js, confirm.js   the selected row, shortcuts, confirmations
 *   devices.js, hall-detail.js   a hall's device warnings on its card, and its details
 *   profiles.js, profile-fields.js, profiles-api.js   the hardware profiles screen
 *   readiness.js, readiness-rows.js, readiness-figures.js, readiness-api.js   the readiness
 *                   board (every hall's connection test) and its badge on the halls' cards
 *   roll_call.js    the roll call panel (present / absent with a reason / elsewhere)
 *
 * Roles: `ready` says which actions this account may take in the session; every control
 * of an action not listed is disabled and says why (an observer's board is read-only).
 */

import { bindLangButtons, detectLang, onLangChange, setLang } from "../common/i18n.js";
import { sessionStore } from "../common/dom.js";
import { loadAuth, setAuth } from "./auth.js";
import { bindFinders, toggleDensity } from "./board.js";
import { runAction } from "./controls.js";
import { dom } from "./elements.js";
import { bindHallDetail } from "./hall-detail.js";
import { bindProfiles } from "./profiles.js";
import { bindReadiness } from "./readiness.js";
import { bindRollCall } from "./roll_call.js";
import { onKeyDown, showHelp } from "./keyboard.js";
import { renderLog } from "./log.js";
import { onLoginSubmit } from "./login.js";
import { model, page } from "./model.js";
import { logout, openBoard, SESSION_KEY, showSessions } from "./navigation.js";
import { select } from "./selection.js";
import { loadSessions } from "./sessions.js";
import { render, setState } from "./views.js";

/** Clicks on `button[data-action]` inside `root` run that action on its site. */
function siteButtons(root, { selectRow = false } = {}) {
  root.addEventListener("click", (event) => {
    const row = selectRow && event.target.closest("tr[data-site-id]");
    if (row) select(Number(row.dataset.siteId));
    const button = event.target.closest("button[data-action]");
    if (!button || button.disabled) return;
    runAction(button.dataset.action, Number(button.dataset.siteId));
  });
}

async function main() {
  // Handlers first: a login submitted while the catalogue is still loading must go through
  // onLoginSubmit, never as a plain form post that would send the password to /console.
  dom.loginForm.addEventListener("submit", onLoginSubmit);
  bindLangButtons();
  try {
    await setLang(detectLang());
  } catch (err) {
    console.error("bridge console: no catalogue", err);
  }
  onLangChange(() => {
    render();
    renderLog();
    dom.loginError.hidden = true;
  });

  dom.logout.addEventListener("click", () => logout());
  dom.sessionsRefresh.addEventListener("click", () => loadSessions());
  dom.boardBack.addEventListener("click", () => showSessions());
  if (dom.voice) {
    dom.voice.addEventListener("change", () => {
      runAction("voice_activated", null, dom.voice.checked);
    });
  }
  siteButtons(dom.rosterBody, { selectRow: true });
  siteButtons(dom.handList);
  bindHallDetail(dom.rosterBody);
  bindProfiles();
  bindReadiness();
  bindRollCall();
  dom.selectedBar.addEventListener("click", (event) => {
    const button = event.target.closest("button[data-selected-action]");
    if (!button || button.disabled || model.selected === null) return;
    runAction(button.dataset.selectedAction, model.selected);
  });
  dom.muteAll.addEventListener("click", () => runAction("mute_all_except_host"));
  dom.unmuteAll.addEventListener("click", () => runAction("unmute_all"));
  dom.density.addEventListener("click", toggleDensity);
  bindFinders();
  dom.help.addEventListener("click", showHelp);
  dom.end.addEventListener("click", () => runAction("end_session"));
  document.addEventListener("keydown", onKeyDown);

  const saved = loadAuth();
  if (saved) setAuth(saved);
  const savedSession = Number(sessionStore.get(SESSION_KEY));
  if (page.auth && Number.isSafeInteger(savedSession) && savedSession > 0) {
    openBoard(savedSession, null);
  } else if (page.auth) {
    setState("sessions");
    loadSessions();
  } else {
    setState("logged_out");
  }
}

main();
