/*
 * login.js — the login form: POST /api/login, then the sessions list.
 */

import { ApiError } from "../common/api.js";
import { t } from "../common/i18n.js";
import { api, setAuth } from "./auth.js";
import { dom } from "./elements.js";
import { page } from "./model.js";
import { loadSessions } from "./sessions.js";
import { setState } from "./views.js";

export async function onLoginSubmit(event) {
  event.preventDefault();
  const username = dom.loginUser.value.trim();
  const password = dom.loginPass.value;
  dom.loginError.hidden = true;
  if (!username || !password) {
    showLoginError(t("console.login.missing"));
    return;
  }
  dom.loginSubmit.disabled = true;
  dom.loginSubmit.textContent = t("console.login.busy");
  try {
    const data = await api("POST", "/api/login", { username, password });
    setAuth({ token: data.token, expires_at: data.expires_at, operator: data.operator });
    dom.loginPass.value = "";
    page.loginNoticeKey = null;
    setState("sessions");
    loadSessions();
  } catch (err) {
    showLoginError(err instanceof ApiError ? err.text() : t("error.unknown"));
  } finally {
    dom.loginSubmit.disabled = false;
    dom.loginSubmit.textContent = t("console.login.submit");
  }
}

function showLoginError(text) {
  dom.loginError.textContent = text;
  dom.loginError.hidden = false;
}
