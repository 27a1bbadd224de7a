/*
 * sessions.js — the list of sessions to open: GET /api/sessions →
 * {sessions: [{id, title, state, host_site_id, roster: [site ids]}]}.
 */

import { element } from "../common/dom.js";
import { t } from "../common/i18n.js";
import { api, AUTH_ERRORS } from "./auth.js";
import { dom } from "./elements.js";
import { model, page } from "./model.js";
import { logout, openBoard } from "./navigation.js";

export function renderSessions() {
  dom.sessionsStatus.textContent = page.sessionsError
    ? page.sessionsError.text()
    : page.sessionsStatusKey
      ? t(page.sessionsStatusKey)
      : "";
  dom.sessionsStatus.dataset.kind = page.sessionsError ? "error" : "info";
  dom.sessionList.replaceChildren(
    ...model.sessions.map((session) => {
      const title = element("span", { className: "session-title", text: session.title });
      const state = element("span", {
        className: "pill",
        dataset: { state: session.state },
        text: t(`state.session.${session.state}`, {}, session.state),
      });
      const sites = Array.isArray(session.roster) ? session.roster.length : 0;
      const count = element("span", {
        className: "session-count",
        text: t("console.sessions.sites", { count: sites }),
      });
      const button = element(
        "button",
        {
          type: "button",
          className: "session-open",
          dataset: { sessionId: String(session.id), state: session.state },
        },
        title,
        state,
        count,
      );
      button.addEventListener("click", () => openBoard(session.id, session));
      return element("li", {}, button);
    }),
  );
}

export async function loadSessions() {
  page.sessionsError = null;
  page.sessionsStatusKey = "console.sessions.loading";
  renderSessions();
  try {
    const data = await api("GET", "/api/sessions");
    model.sessions = (data && Array.isArray(data.sessions) && data.sessions) || [];
    page.sessionsStatusKey = model.sessions.length ? null : "console.sessions.empty";
  } catch (err) {
    if (AUTH_ERRORS.has(err.code) || err.status === 401) {
      logout("console.login.expired");
      return;
    }
    page.sessionsError = err;
    page.sessionsStatusKey = null;
  }
  renderSessions();
}
