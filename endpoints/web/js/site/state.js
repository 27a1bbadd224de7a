/*
 * state.js — what the site page knows, as one live object. For tests and diagnostics it is
 * `window.bridgeSite`:
 *   state        "starting" | "connecting" | "connected" | "reconnecting" | "waiting"
 *                | "ended" | "invalid_link" | "replaced" | "removed" | "unsupported"
 *   pc, ws       the current RTCPeerConnection / WebSocket (null between attempts)
 *   lastError    last error code (protocol code, or "no_token" / "bad_link"), null if none
 *   lastErrorMessage  the server's message for it
 *   sessionId, site, session, roster (site entries), muted (bool), micAvailable (bool|null),
 *   level (0..1 incoming level), levelDb, audioActive (bool), joins (joined count), raw (bool),
 *   shown (the last `shown` event), videoSend ("full" | "preview" | "off"), cameraAvailable
 *   (bool|null), videoPlaying (bool), floor (site id with the floor, or null), handRaised,
 *   retryAt (Date.now() time of the next reconnection attempt, null when none is waiting),
 *   kiosk (bool: `?kiosk=1`, see link.js), seenId (the site whose picture this hall sees, or
 *   null; seen.js), notice ("hand_lowered" while the page says the operator lowered the
 *   hall's hand, else null), noticeUntil (Date.now() time it goes), ownPressAt (when the
 *   hall last pressed "withdraw"), grid (the inset's or grid's cells, grid.js: layout,
 *   gridSites, count, told, pc, cells [{index, siteId, name, playing}])
 *   hall last pressed "withdraw"), profile (the last `profile` received: {revision,
 *   profile}), profileApplied (the last `profile_applied` sent), deviceWarnings (the
 *   profile's missing devices, as shown), deviceHealth (the last `device_health` sent),
 *   deviceHealthSent (how many), feed(message) (messages.js: a message as if from the bridge),
 *   connectionTest (the connection test's phase, last result and report: connection-test.js),
 *   probe (the `probe` data channel of the current peer connection, or null),
 *   recording ({on, since}: the session is being recorded; recording.js)
 */

import { kioskRequested } from "./link.js";

const query = new URLSearchParams(location.search);
/** `?raw=1`: no echo cancellation, noise suppression or AGC (a test tone would be suppressed). */
export const RAW = query.get("raw") === "1";
// Read before link.js takes the token (and anything next to it) out of the address bar.
export const KIOSK = kioskRequested(location.search, location.hash);

export const diag = {
  state: "starting",
  pc: null,
  ws: null,
  lastError: null,
  lastErrorMessage: null,
  sessionId: null,
  site: null,
  session: null,
  roster: [],
  muted: false,
  micAvailable: null,
  micError: null,
  level: 0,
  levelDb: -Infinity,
  audioActive: false,
  joins: 0,
  raw: RAW,
  shown: null,
  videoSend: "full",
  cameraAvailable: null,
  videoPlaying: false,
  floor: null,
  handRaised: false,
  retryAt: null,
  kiosk: KIOSK,
  seenId: null,
  notice: null,
  noticeUntil: 0,
  ownPressAt: null,
  profile: null,
  profileApplied: null,
  deviceWarnings: [],
  deviceHealth: null,
  deviceHealthSent: 0,
  probe: null,
  connectionTest: {
    phase: "idle",
    testId: null,
    startedAt: null,
    mediaMs: null,
    result: null,
    report: null,
    note: null,
    cancelledReason: null,
    pongs: 0,
    upSent: 0,
    upSkipped: 0,
    downReceived: 0,
    starts: 0,
    autoStarts: 0,
  },
};
window.bridgeSite = diag;

/** Final states: the page stays as it is until a person reloads it. */
export function isFinal(state) {
  return ["ended", "invalid_link", "replaced", "removed", "unsupported"].includes(state);
}
