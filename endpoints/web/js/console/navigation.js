/*
 * navigation.js — moving between the views: open a session's board, back to the list,
 * log out. sessionStorage "bridge.console.session" keeps the session on the board, so a
 * reload returns to it.
 */

import { sessionStore } from "../common/dom.js";
import { api, setAuth } from "./auth.js";
import { connect, socket, stopBoard } from "./connection.js";
import { renderLog } from "./log.js";
import { model, page } from "./model.js";
import { loadSessions } from "./sessions.js";
import { render } from "./views.js";

export const SESSION_KEY = "bridge.console.session";

export function showSessions() {
  stopBoard("sessions");
  page.sessionId = null;
  sessionStore.set(SESSION_KEY, null);
  model.session = null;
  model.sites = [];
  loadSessions();
}

export function openBoard(id, session) {
  page.sessionId = Number(id);
  sessionStore.set(SESSION_KEY, String(page.sessionId));
  model.session = session || null;
  model.sites = [];
  model.log = [];
  model.lastError = null;
  model.floor = null;
  model.shown = null;
  model.actions = null;
  model.quality.clear();
  model.profileStatus.clear();
  model.health.clear();
  model.readiness = new Map();
  model.readinessInfo = null;
  model.screen = "board";
  model.selected = null;
  renderLog();
  socket.resetBackoff();
  model.state = "connecting";
  connect();
}

export function logout(noticeKey = null) {
  if (page.auth && !noticeKey) {
    // Best effort: revoke the login token on the server too; the page forgets it anyway.
    api("POST", "/api/logout").catch(() => {});
  }
  stopBoard("logged_out");
  setAuth(null);
  page.sessionId = null;
  sessionStore.set(SESSION_KEY, null);
  model.session = null;
  model.sites = [];
  model.sessions = [];
  model.log = [];
  renderLog();
  page.loginNoticeKey = noticeKey;
  render();
}
