/*
 * auth.js — the operator's login token: POST /api/login {username, password} →
 * {token, expires_at, operator: {username, role}}, kept in sessionStorage
 * "bridge.console.auth" so a reload stays logged in, and forgotten when it expires.
 * `api()` calls the HTTP API with it.
 */

import { request } from "../common/api.js";
import { sessionStore } from "../common/dom.js";
import { model, page } from "./model.js";
import { logout } from "./navigation.js";

const AUTH_KEY = "bridge.console.auth";
/** Error codes that mean the login token is no longer good: back to the login form. */
export const AUTH_ERRORS = new Set([
  "unauthorized",
  "login_invalid",
  "login_expired",
  "invalid_token",
  "token_expired",
]);

let expiryTimer = null;

export function api(method, path, body) {
  return request(method, path, { body, token: page.auth ? page.auth.token : null });
}

function expiryMs(expiresAt) {
  if (typeof expiresAt === "number") return expiresAt < 1e12 ? expiresAt * 1000 : expiresAt;
  const parsed = Date.parse(expiresAt);
  return Number.isNaN(parsed) ? null : parsed;
}

/** The login kept from before a reload, unless it has expired meanwhile. */
export function loadAuth() {
  const raw = sessionStore.get(AUTH_KEY);
  if (!raw) return null;
  try {
    const saved = JSON.parse(raw);
    if (!saved || typeof saved.token !== "string") return null;
    const expires = expiryMs(saved.expires_at);
    if (expires !== null && expires <= Date.now()) {
      page.loginNoticeKey = "console.login.expired";
      sessionStore.set(AUTH_KEY, null);
      return null;
    }
    return saved;
  } catch {
    return null;
  }
}

export function setAuth(value) {
  page.auth = value;
  model.operator = value ? value.operator : null;
  sessionStore.set(AUTH_KEY, value ? JSON.stringify(value) : null);
  clearTimeout(expiryTimer);
  const expires = value ? expiryMs(value.expires_at) : null;
  if (expires !== null) {
    const delay = Math.min(expires - Date.now(), 2 ** 31 - 1);
    expiryTimer = setTimeout(() => logout("console.login.expired"), Math.max(0, delay));
  }
}
