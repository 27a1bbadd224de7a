/*
 * model.js — what the console knows. For tests, `window.bridgeConsole` is one live object:
 *   state     "logged_out" | "sessions" | "connecting" | "ready" | "reconnecting" | "waiting"
 *             | "ended" | "stopped"
 *   sites     site entries in roster order (as the server sent them)
 *   session, operator, sessions (the list from GET /api/sessions), lastError, log (entries,
 *   newest first), ws, shown, floor (site id or null), quality (site id → `quality` entry),
 *   selected (site id or null), dense (bool: the compact board is on), actions (what this
 *   account may do in this session, from `ready`; null when the bridge does not say: all),
 *   sort and filter (the board's sort and filter boxes), profileStatus and health (site id →
 *   the last `profile_status` / `health` entry), screen ("board" | "profiles" | "readiness":
 *   what the board view shows while connected), profiles (the list from GET /api/profiles),
 *   readiness (site id → its readiness board row, readiness-rows.js), readinessInfo (the
 *   board's {window, testing} from GET …/readiness, or null), readinessSort ({key, dir}),
 *   recording ({on, since}: the session is being recorded, since when; recording.js)
 */

import { handQueue } from "./actions.js";

export const model = {
  state: "logged_out",
  sites: [],
  session: null,
  operator: null,
  sessions: [],
  lastError: null,
  log: [],
  ws: null,
  shown: null, // the last `shown` event: {site_id, previous, mode, hold_s}
  previewPc: null, // the receive-only peer connection that carries every site's preview
  previewing: new Set(), // site ids whose preview is playing
  meters: new Map(), // site id -> the last `meters` entry: {id, level (dBFS), talking}
  floor: null, // the site that has the floor (a `floor` event), or null
  quality: new Map(), // site id -> the last `quality` entry
  selected: null, // the site id the keyboard shortcuts and the selected bar act on
  dense: false,
  actions: null,
  sort: "roster", // the board's order: roster / state / level / name / hands (order.js)
  filter: "", // the filter box's text
  profileStatus: new Map(), // site id -> its `profile_status` entry (kept until replaced)
  health: new Map(), // site id -> its last `health` entry (connected halls only)
  screen: "board", // "profiles" | "readiness": a screen over a live board
  profiles: [],
  readiness: new Map(), // site id -> its readiness board row (GET …/readiness, WS `readiness`)
  readinessInfo: null, // {window, testing} of the last GET …/readiness
  readinessSort: { key: "state", dir: "asc" }, // the readiness board's order (readiness-rows.js)
  recording: { on: false, since: null }, // issue 14: `ready.recording`, then `recording`
};
window.bridgeConsole = model;

/** The rest of the page's state, not shown to tests. */
export const page = {
  auth: null, // {token, expires_at, operator}
  sessionId: null, // the session on the board
  loginNoticeKey: null,
  sessionsStatusKey: null,
  sessionsError: null,
  waitingForOpen: false, // the bridge said session_not_open: retry every 5 s
};

export const siteById = (siteId) => model.sites.find((s) => s.id === siteId) || null;

export function siteName(siteId) {
  const site = siteById(siteId);
  return site ? site.name : `#${siteId}`;
}

/** What the action rules need to know of the board (actions.js). */
export function boardNow() {
  return {
    ready: model.state === "ready",
    floor: model.floor,
    shownId: model.shown ? model.shown.site_id : null,
    recording: model.recording.on,
  };
}

export const hands = () => handQueue(model.sites);

export function handPlace(siteId) {
  const i = hands().findIndex((s) => s.id === siteId);
  return i >= 0 ? i + 1 : 0;
}

export function viewOf(state, screen = "board") {
  if (state === "logged_out") return "login";
  if (state === "sessions") return "sessions";
  return screen === "profiles" || screen === "readiness" ? screen : "board";
}
