/*
 * link.js — the join link: session id from location.pathname (/site/<id>), join token from
 * location.hash (#token=…). The token is then removed from the visible URL
 * (history.replaceState) and kept in sessionStorage ("bridge.site.token.<id>") so a reload
 * rejoins.
 */

import { sessionStore } from "../common/dom.js";

export function readLink() {
  const match = location.pathname.match(/\/site\/(\d+)\/?$/);
  const sessionId = match ? Number(match[1]) : NaN;
  if (!Number.isSafeInteger(sessionId) || sessionId < 1) return { sessionId: null, token: null };
  const storageKey = `bridge.site.token.${sessionId}`;
  const fromHash = new URLSearchParams(location.hash.replace(/^#/, "")).get("token");
  if (fromHash) {
    sessionStore.set(storageKey, fromHash); // else kept in memory only: a reload needs the link
    // Keep the token out of the address bar (and of screenshots of the hall screen).
    history.replaceState(history.state, "", location.pathname + location.search);
    return { sessionId, token: fromHash };
  }
  return { sessionId, token: sessionStore.get(storageKey) };
}
