/*
 * events.js — what the bridge tells the console: `ready` (with the actions this account
 * may take), `roster`, `site` / `sites` (batches) / `session` / `shown` / `floor` events,
 * `meters` (10 Hz), `quality` (1 Hz), `profile_status` and `health` (1 Hz: hall-detail.js),
 * `readiness` (the readiness board's changed rows: readiness.js), `recording` (recording.js),
 * `roll_call` (a mark from any console: roll_call.js),
 * the previews' `answer` and errors; each kept in the
 * model, drawn, and logged in the operator's words.
 */

import { errorText, t } from "../common/i18n.js";
import { AUTH_ERRORS } from "./auth.js";
import { renderBoard } from "./board.js";
import { socket, stopBoard } from "./connection.js";
import { pending } from "./controls.js";
import { dom } from "./elements.js";
import { logEvent } from "./log.js";
import { model, page, siteName } from "./model.js";
import { logout } from "./navigation.js";
import { onPreviewsAnswer, restartPreviews } from "./previews.js";
import { onHealth, onProfileStatus } from "./hall-detail.js";
import { onReadiness, onReadyAgain } from "./readiness.js";
import { onRecording } from "./recording.js";
import { onRollCall } from "./roll_call.js";
import { onMeters, onQuality } from "./roster.js";
import { render, setState } from "./views.js";

export function handleMessage(message) {
  switch (message.type) {
    case "ready":
      socket.resetBackoff();
      model.lastError = null;
      if (message.session) model.session = message.session;
      // An older bridge does not say what this account may do: then everything.
      model.actions = Array.isArray(message.actions) ? message.actions : null;
      onRecording(message.recording, false); // issue 14
      setState("ready");
      logEvent("info", () => t("console.log.ready"));
      onReadyAgain(); // the readiness board, read again (what changed while away is lost)
      break;
    case "roster":
      model.sites = Array.isArray(message.sites) ? message.sites : [];
      render();
      restartPreviews();
      {
        const total = model.sites.length;
        logEvent("info", () => t("console.log.roster", { count: total }));
      }
      break;
    case "site":
      if (message.site) onSite(message.site);
      break;
    case "sites":
      if (Array.isArray(message.sites)) onSites(message.sites);
      break;
    case "floor":
      onFloor(message.site_id ?? null);
      break;
    case "quality":
      // a hall's media stopped or came back: its state, the counts and the sort change
      if (onQuality(message.sites)) renderBoard();
      break;
    case "shown":
      onShown(message);
      break;
    case "meters":
      onMeters(message.sites);
      break;
    case "profile_status":
      onProfileStatus(message.sites);
      break;
    case "health":
      onHealth(message.sites);
      break;
    case "readiness":
      onReadiness(message.sites);
      break;
    case "answer":
      onPreviewsAnswer(message);
      break;
    case "session":
      if (message.session) onSession(message.session);
      break;
    case "roll_call": // issue 14: a mark from any console
      onRollCall(message.roll_call);
      break;
    case "recording": // issue 14
      onRecording(message, true);
      render();
      break;
    case "error":
      onError(message);
      break;
    default:
      break; // pong, and anything newer than this page
  }
}

function onShown(message) {
  const before = model.shown;
  model.shown = message;
  if (dom.voice) dom.voice.checked = message.mode === "voice";
  renderBoard();
  if (!before || before.site_id !== message.site_id) {
    const name = siteName(message.site_id);
    logEvent("info", () => t("console.log.shown", { name }));
  }
}

function onSite(site) {
  const before = storeSite(site);
  renderBoard();
  logSiteChange(before, site);
}

/** Keep a site entry; returns the one it replaces (or null). */
function storeSite(site) {
  const i = model.sites.findIndex((s) => s.id === site.id);
  const before = i >= 0 ? model.sites[i] : null;
  if (i >= 0) model.sites[i] = site;
  else model.sites.push(site);
  return before;
}

/* A batch (mute all, unmute all, the end): one render and one log line, however many
 * sites it names — 100 lines for one click would bury everything else in the log. */
function onSites(entries) {
  let muted = 0;
  let unmuted = 0;
  for (const site of entries) {
    const before = storeSite(site);
    if (before && Boolean(before.muted) !== Boolean(site.muted)) {
      if (site.muted) muted += 1;
      else unmuted += 1;
    }
  }
  renderBoard();
  if (muted) logEvent("info", () => t("console.log.batch_muted", { count: muted }));
  if (unmuted) logEvent("info", () => t("console.log.batch_unmuted", { count: unmuted }));
}

function onFloor(siteId) {
  const before = model.floor;
  model.floor = siteId;
  renderBoard();
  if (before === siteId) return;
  if (siteId === null) {
    logEvent("info", () => t("console.log.floor_none"));
  } else {
    const name = siteName(siteId);
    logEvent("floor", () => t("console.log.floor", { name }));
  }
}

const siteState = (state) => t(`state.site.${state}`, {}, state);

function logSiteChange(before, site) {
  const name = site.name;
  if (before && !before.hand_raised && site.hand_raised) {
    logEvent("hand", () => t("console.log.hand_raised", { name }));
  } else if (before && before.hand_raised && !site.hand_raised && site.state !== "offline") {
    logEvent("info", () => t("console.log.hand_lowered", { name }));
  }
  if (before && !before.removed && site.removed) {
    logEvent("warn", () => t("console.log.removed", { name }));
    return;
  }
  if (!before || before.state !== site.state) {
    const state = site.state;
    logEvent(state === "offline" ? "warn" : "info", () =>
      t("console.log.site_state", { name, state: siteState(state) }),
    );
  }
  if (before && Boolean(before.muted) !== Boolean(site.muted)) {
    logEvent("info", () => t(site.muted ? "console.log.muted" : "console.log.unmuted", { name }));
  }
}

function onSession(session) {
  const before = model.session;
  model.session = session;
  if (!before || before.state !== session.state) {
    const state = session.state;
    logEvent("info", () =>
      t("console.log.session_state", { state: t(`state.session.${state}`, {}, state) }),
    );
  }
  if (session.state === "closed") {
    stopBoard("ended");
  } else {
    renderBoard();
  }
}

function onError(message) {
  const code = message.code || "unknown";
  const serverMessage = message.message || null;
  model.lastError = { code, message: serverMessage, ref_id: message.ref_id ?? null };
  const request = message.ref_id != null ? pending.get(message.ref_id) : null;
  if (request) pending.delete(message.ref_id);
  const kind = code === "session_not_open" ? "warn" : "error";
  logEvent(kind, () => {
    const text = errorText(code, serverMessage);
    if (!request) return text;
    const name = request.siteId === null ? "" : siteName(request.siteId);
    return t(`console.log.${request.action}_failed`, { name, error: text });
  });
  if (AUTH_ERRORS.has(code)) {
    logout("console.login.expired");
  } else if (code === "session_closed") {
    stopBoard("ended");
  } else if (code === "wrong_session" || code === "replaced") {
    stopBoard("stopped");
  } else if (code === "session_not_open") {
    page.waitingForOpen = true;
  }
}
