/*
 * views.js — the console's views (login, the sessions list, the board, the hardware
 * profiles screen and the readiness board over a live board), shown by `model.state` and
 * `model.screen`, and the header with the logged-in operator.
 */

import { t } from "../common/i18n.js";
import { renderBoard } from "./board.js";
import { dom } from "./elements.js";
import { model, page, viewOf } from "./model.js";
import { renderReadiness } from "./readiness.js";
import { renderRollCall } from "./roll_call.js";
import { renderSessions } from "./sessions.js";

export function setState(state) {
  model.state = state;
  render();
}

function showView(focusHeading) {
  const view = viewOf(model.state, model.screen);
  const changed = dom.body.dataset.view !== view;
  dom.body.dataset.view = view;
  dom.loginView.hidden = view !== "login";
  dom.sessionsView.hidden = view !== "sessions";
  dom.boardView.hidden = view !== "board";
  dom.profilesView.hidden = view !== "profiles";
  dom.readinessView.hidden = view !== "readiness";
  if (changed && focusHeading) {
    const heading = {
      login: dom.loginUser,
      sessions: dom.sessionsHeading,
      board: dom.boardTitle,
      profiles: dom.profilesHeading,
      readiness: dom.readinessHeading,
    };
    heading[view].focus();
  }
}

export function render() {
  showView(true);
  renderHeader();
  renderLogin();
  renderSessions();
  renderBoard();
  renderReadiness();
  renderRollCall();
}

function renderHeader() {
  const operator = page.auth && page.auth.operator;
  dom.operator.hidden = !operator;
  dom.logout.hidden = !page.auth;
  if (operator) {
    dom.operator.textContent = t("console.operator", {
      username: operator.username,
      role: t(`role.${operator.role}`, {}, operator.role),
    });
  }
}

function renderLogin() {
  dom.loginNotice.hidden = !page.loginNoticeKey;
  dom.loginNotice.textContent = page.loginNoticeKey ? t(page.loginNoticeKey) : "";
}
