/*
 * state.js — what the office page knows (window.bridgeOffice, for tests), and its calls to
 * the HTTP API with the login token (common/api.js): kept in sessionStorage
 * "bridge.office.auth" so a reload stays logged in.
 */

import { request } from "../common/api.js";
import { sessionStore } from "../common/dom.js";

const AUTH_KEY = "bridge.office.auth";
export const AUTH_ERRORS = new Set(["unauthorized", "login_invalid", "login_expired"]);
export const OFFICE_ROLES = new Set(["admin", "office"]);

export const office = {
  state: "starting", // starting | logged_out | ready
  auth: null, // {token, expires_at, operator: {username, role}}
  sites: [],
  siteById: new Map(),
  calendar: { mode: "week", anchor: null, days: [], items: [], info: new Map() },
  bookings: [],
  notifications: [],
  lastCheck: null, // the booking form's last Check, as the API answered
  checks: 0, // how many checks were sent (the debounce is tested by it)
  onUnauthorized: () => {},
};
globalThis.bridgeOffice = office;

export function isOffice() {
  return Boolean(office.auth && OFFICE_ROLES.has(office.auth.operator.role));
}

export async function api(method, path, body) {
  try {
    return await request(method, path, { body, token: office.auth ? office.auth.token : null });
  } catch (err) {
    if (AUTH_ERRORS.has(err.code)) office.onUnauthorized();
    throw err;
  }
}

export function loadAuth() {
  const raw = sessionStore.get(AUTH_KEY);
  if (!raw) return null;
  try {
    const saved = JSON.parse(raw);
    if (!saved || typeof saved.token !== "string") return null;
    if (Date.parse(saved.expires_at) <= Date.now()) return null;
    return saved;
  } catch {
    return null;
  }
}

export function setAuth(value) {
  office.auth = value;
  sessionStore.set(AUTH_KEY, value ? JSON.stringify(value) : null);
}

export function siteName(id) {
  const site = office.siteById.get(id);
  return site ? site.name : `#${id}`;
}

/** An error as the page says it: a refused field in the bridge's own words (they name
 * the field and what is wrong), anything else in the catalogue's. */
export function errorMessage(err) {
  if (err && err.field && err.serverMessage) return err.serverMessage;
  return err && err.text ? err.text() : String(err);
}
