/*
 * messages.js — what the bridge tells the site page (docs/protocol.md): `joined`, the roster
 * and its changes, who has the floor, what is shown, whether to send video, the SDP answer
 * and errors; the hall's hardware `profile` (profile.js). The grid peer's `answer` (told by
 * its ref_id), `grid` and its errors go to grid.js.
 *
 * The connection test's messages (`test_*`) go to connection-test.js, with `joined` (is the
 * session testing?), `session` (it went live) and the errors answering `test_start`.
 *
 * `bridgeSite.feed(message)` hands the page a message as if the bridge had sent it (tests;
 * the page's CSP lets no other script in).
 */

import { conn, finish, scheduleReconnect, socket, waitForOpen } from "./connection.js";
import { handleTestMessage, testJoined, testRefused, testSession } from "./connection-test.js";
import { gridAnswer, gridCells, gridJoined, gridRefused, isGridRef } from "./grid.js";
import { loweredByOperator, NOTICE_MS } from "./hand.js";
import { applyVideoSend, startMedia } from "./media.js";
import { onProfile } from "./profile.js";
import { loadWaitingNotices, onNoticeMessage } from "./notices.js";
import { onRecording } from "./recording.js";
import { render } from "./render.js";
import { diag } from "./state.js";

let noticeTimer = null;

/** Error codes after which the page stops for good, and the state it then shows. */
export const FINAL_ERRORS = {
  invalid_token: "invalid_link",
  token_expired: "invalid_link",
  wrong_session: "invalid_link",
  session_closed: "ended",
  replaced: "replaced",
  removed: "removed",
};

export function handleMessage(message, gen) {
  switch (message.type) {
    case "joined":
      diag.joins += 1;
      diag.site = message.site;
      diag.session = message.session;
      diag.lastError = null;
      diag.lastErrorMessage = null;
      if (message.session && message.session.state === "closed") {
        finish("ended");
        return;
      }
      if (message.site) updateSite(message.site);
      onRecording(message.recording);
      if (diag.state === "waiting") diag.state = "connecting";
      render();
      startMedia(gen, message.ice_servers || []).catch((err) => {
        if (!socket.isCurrent(gen)) return;
        console.error("bridge site: media setup failed", err);
        diag.lastError = "media_setup";
        diag.lastErrorMessage = String(err);
        scheduleReconnect();
      });
      gridJoined(gen, message.ice_servers || []);
      testJoined(gen, message);
      break;
    case "roster":
      diag.roster = Array.isArray(message.sites) ? message.sites : [];
      updateOwnMuted();
      render();
      break;
    case "site":
      if (message.site) {
        updateSite(message.site, message);
        render();
      }
      break;
    case "sites": // several sites at once (mute all, unmute all)
      if (Array.isArray(message.sites)) {
        for (const entry of message.sites) updateSite(entry, message);
        render();
      }
      break;
    case "floor":
      diag.floor = message.site_id ?? null;
      render();
      break;
    case "session":
      diag.session = message.session;
      testSession(message.session);
      if (message.session && message.session.state === "closed") finish("ended");
      else render();
      break;
    case "shown":
      diag.shown = message;
      render();
      break;
    case "recording": // issue 14: the session started or stopped being recorded
      onRecording(message);
      render();
      break;
    case "video":
      diag.videoSend = message.send;
      applyVideoSend();
      break;
    case "grid":
      gridCells(message);
      break;
    case "answer":
      if (isGridRef(message.ref_id)) {
        gridAnswer(message);
      } else if (conn && conn.pc) {
        conn.pc
          .setRemoteDescription({ type: "answer", sdp: message.sdp })
          .then(() => {
            if (socket.isCurrent(gen)) applyVideoSend();
          })
          .catch((err) => {
            if (!socket.isCurrent(gen)) return;
            console.error("bridge site: answer rejected", err);
            diag.lastError = "invalid_sdp";
            scheduleReconnect();
          });
      }
      break;
    case "profile":
      onProfile(message);
      break;
    case "notices": // the session's notices, on joining; one posted or withdrawn
    case "notice":
      onNoticeMessage(message);
      break;
    case "error":
      if (message.ref_id != null && isGridRef(message.ref_id)) gridRefused(message);
      else if (!testRefused(message)) handleError(message);
      break;
    default:
      handleTestMessage(message, gen); // pong and anything newer than this page: ignored
      break;
  }
}

diag.feed = (message) => handleMessage(message, socket.generation);

function handleError(message) {
  diag.lastError = message.code || "unknown";
  diag.lastErrorMessage = message.message || null;
  const final = FINAL_ERRORS[message.code];
  if (final) {
    finish(final);
  } else if (message.code === "session_not_open") {
    waitForOpen();
    loadWaitingNotices(); // before the session too: over HTTP with the join token
  } else if (message.code === "invalid_sdp") {
    scheduleReconnect();
  } else {
    console.warn("bridge site: server error", message);
  }
}

/** One site entry changed: keep the roster and, if it is this hall, the own entry.
 * `message` is the `site`/`sites` event that carried it (null for `joined`). */
function updateSite(entry, message = null) {
  const i = diag.roster.findIndex((s) => s.id === entry.id);
  if (i >= 0) diag.roster[i] = entry;
  else if (diag.roster.length > 0) diag.roster.push(entry);
  if (diag.site && entry.id === diag.site.id) {
    const before = diag.site;
    diag.site = entry;
    diag.muted = Boolean(entry.muted);
    if (message && loweredByOperator(before, entry, message, entry.id, diag.ownPressAt, Date.now())) {
      showNotice("hand_lowered");
    }
    if (entry.hand_raised) diag.notice = null;
  }
}

function showNotice(kind) {
  diag.notice = kind;
  diag.noticeUntil = Date.now() + NOTICE_MS;
  clearTimeout(noticeTimer);
  noticeTimer = setTimeout(render, NOTICE_MS + 50);
}

function updateOwnMuted() {
  if (!diag.site) return;
  const own = diag.roster.find((s) => s.id === diag.site.id);
  if (own) diag.site = own;
  diag.muted = Boolean(diag.site.muted);
}
