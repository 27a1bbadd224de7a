/*
 * link.js — the join link: session id from location.pathname (/site/<id>), join token from
 * location.hash (#token=…). The token is then removed from the visible URL
 * (history.replaceState) and kept in sessionStorage ("bridge.site.token.<id>") so a reload
 * rejoins.
 *
 * Kiosk mode (a screen nobody touches: picture, caption and banners, no controls, no
 * cursor): `?kiosk=1` in the link, or `kiosk` / `kiosk=1` next to the token in the fragment
 * (`#token=…&kiosk=1`), which is moved into the query when the token leaves the address bar
 * so a reload stays in kiosk mode.
 */

import { sessionStore } from "../common/dom.js";

const ON = new Set(["", "1", "true", "yes"]);

/** Whether the link asks for kiosk mode (pure). */
export function kioskRequested(search, hash) {
  const query = new URLSearchParams(search);
  const fragment = new URLSearchParams(String(hash).replace(/^#/, ""));
  return [query, fragment].some((params) => params.has("kiosk") && ON.has(params.get("kiosk")));
}

/** The address to show once the token is out of it: path and query, `kiosk=1` kept (pure). */
export function addressWithoutToken(pathname, search, kiosk) {
  const query = new URLSearchParams(search);
  if (kiosk && !ON.has(query.get("kiosk") ?? "-")) query.set("kiosk", "1");
  const text = query.toString();
  return pathname + (text ? `?${text}` : "");
}

export function readLink() {
  const match = location.pathname.match(/\/site\/(\d+)\/?$/);
  const sessionId = match ? Number(match[1]) : NaN;
  if (!Number.isSafeInteger(sessionId) || sessionId < 1) return { sessionId: null, token: null };
  const storageKey = `bridge.site.token.${sessionId}`;
  const fromHash = new URLSearchParams(location.hash.replace(/^#/, "")).get("token");
  if (fromHash) {
    sessionStore.set(storageKey, fromHash); // else kept in memory only: a reload needs the link
    // Keep the token out of the address bar (and of screenshots of the hall screen).
    const kiosk = kioskRequested(location.search, location.hash);
    history.replaceState(history.state, "", addressWithoutToken(location.pathname, location.search, kiosk));
    return { sessionId, token: fromHash };
  }
  return { sessionId, token: sessionStore.get(storageKey) };
}
