/*
 * connection.js — the site page's attempts to be in its session, and its retries.
 *
 * WebSocket /ws → `join` → `joined` (site, session, ice_servers) → media (media.js). The page
 * reconnects by itself: WebSocket closed, no word from the bridge within 10 s of opening it,
 * peer connection failed, or disconnected for more than 5 s → tear down and rejoin after
 * 1, 2, 4, 8, 15, 15… s (reset once connected). `session_not_open` → "waiting for the
 * session", retried every 5 s. Final, no retry: invalid_token / token_expired / wrong_session
 * ("invalid_link"), session_closed or a `session` event with state "closed" ("ended"),
 * replaced ("replaced"), removed by an operator ("removed", close code 4001). A removed hall
 * does not come back by itself; its link stays valid, so reloading the page (a person's
 * deliberate act, after talking to the operator) joins again.
 */

import { currentLang } from "../common/i18n.js";
import { ReconnectingSocket } from "../common/socket.js";
import { dom } from "./elements.js";
import { gridLeft } from "./grid.js";
import { stopMicrophone } from "./media.js";
import { FINAL_ERRORS, handleMessage } from "./messages.js";
import { stopMeter } from "./meter.js";
import { render, setState } from "./render.js";
import { diag } from "./state.js";

const WAITING_RETRY_MS = 5_000;
// No word from the bridge this long after opening a socket → start over (see socket.js).
const JOIN_TIMEOUT_MS = 10_000;
const FINAL_CLOSE_CODES = {
  4401: ["invalid_link", "invalid_token"],
  4403: ["invalid_link", "wrong_session"],
  4410: ["ended", "session_closed"],
  4000: ["replaced", "replaced"],
  4001: ["removed", "removed"],
};
const CLOSE_WAITING = 4409;

let token = null;
let stopped = false;
/** The current attempt: {gen, pc, audioSender, videoSender, offerSent, endOfCandidatesSent,
 * waiting, timers, probe, gathered, iceServers}. */
export let conn = null;

export const socket = new ReconnectingSocket(
  {
    onOpen: () => send({ type: "join", session_id: diag.sessionId, token, lang: currentLang() }),
    onMessage: (message) => handleMessage(message, socket.generation),
    onClose: (code) => {
      if (!stopped) onSocketClosed(code);
    },
    onSilence: () => {
      diag.lastError = "join_timeout";
      scheduleReconnect();
    },
    onRetryDue: () => connect(),
    onTick: () => render(),
  },
  { silenceMs: JOIN_TIMEOUT_MS },
);

export const isStopped = () => stopped;

export function send(message) {
  return socket.send(message);
}

/** Join `sessionId` with the link's token, and stay joined. */
export function start(sessionId, joinToken) {
  diag.sessionId = sessionId;
  token = joinToken;
  connect();
}

function connect() {
  if (stopped) return;
  clearRetry();
  teardown();
  const gen = socket.connect();
  conn = {
    gen,
    pc: null,
    audioSender: null,
    videoSender: null,
    offerSent: false,
    endOfCandidatesSent: false,
    waiting: false,
    disconnectTimer: null,
    watchdog: null,
    pictureTimer: null,
    probe: null, // the connection test's data channel (media.js)
    gathered: new Set(),
    iceServers: [],
  };
  diag.ws = socket.ws;
  if (diag.state === "starting") diag.state = "connecting";
  render();
}

function onSocketClosed(code) {
  const final = FINAL_CLOSE_CODES[code];
  if (final) {
    // The error frame normally arrives first; this covers a close without one.
    if (!diag.lastError || !(diag.lastError in FINAL_ERRORS)) diag.lastError = final[1];
    finish(final[0]);
    return;
  }
  if (code === CLOSE_WAITING || (conn && conn.waiting)) {
    retryLater("waiting", WAITING_RETRY_MS);
    return;
  }
  scheduleReconnect();
}

/** The bridge said the session is not open yet: wait for it (retried once the socket closes). */
export function waitForOpen() {
  conn.waiting = true;
  setState("waiting");
}

// ---- retry, teardown, stop -----------------------------------------------------------------

function teardown() {
  const old = conn;
  conn = null;
  diag.pc = null;
  diag.probe = null;
  diag.ws = null;
  socket.close(); // callbacks of the torn-down attempt must not schedule a second retry
  gridLeft();
  if (!old) return;
  clearTimeout(old.disconnectTimer);
  clearTimeout(old.watchdog);
  clearInterval(old.pictureTimer);
  if (old.pc) old.pc.close();
  stopMeter();
  dom.audio.srcObject = null;
  dom.video.srcObject = null;
  diag.videoPlaying = false;
  diag.audioActive = false;
  diag.level = 0;
}

function clearRetry() {
  socket.clearRetry();
  diag.retryAt = null;
}

/** Tear down and try again: after the backoff, or after `delayMs` when given. */
function retryLater(state, delayMs = null) {
  if (stopped) return;
  teardown();
  if (delayMs === null) socket.reconnectLater();
  else socket.retryIn(delayMs);
  diag.retryAt = socket.retryAt;
  setState(state);
}

export function scheduleReconnect() {
  retryLater("reconnecting");
}

/** Media is up: the next failure waits the shortest time again. */
export function connected() {
  socket.resetBackoff();
  setState("connected");
}

// The PC says its network is back (a cable replugged, Wi-Fi rejoined): retry now instead of
// waiting out the backoff, which may have grown to its maximum during a long outage.
export function retryNowIfWaiting() {
  if (stopped || !socket.retrying) return;
  clearRetry();
  connect();
}

export function finish(state) {
  stopped = true;
  clearRetry();
  teardown();
  stopMicrophone();
  setState(state);
}
