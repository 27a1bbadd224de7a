/*
 * console.js — the operator console: log in, pick a session, watch and control its sites.
 *
 * Served at GET /console (console.html). HTTP JSON API with `Authorization: Bearer <token>`
 * and `Accept-Language` set to the UI language:
 *   POST /api/login {username, password} → {token, expires_at, operator: {username, role}}
 *   GET  /api/sessions → {sessions: [{id, title, state, host_site_id, roster: [site ids]}]}
 *   POST /api/logout (best effort, when the operator logs out)
 *   errors: {error: {code, message}} — shown from our catalogue by code (error.<code>),
 *   falling back to the server's localized message.
 * WebSocket /ws (docs/protocol.md): `operator {session_id, token, lang}` → `ready`, `roster`,
 * `shown`, `floor`, then `site` / `sites` (batches) / `session` / `shown` / `floor` events,
 * `meters` (10 Hz) and `quality` (1 Hz). Sent: `mute` / `unmute` / `show` / `give_floor` /
 * `lower_hand` / `remove {site_id}`, `mute_all_except_host`, `unmute_all`, `end_session`,
 * `voice_activated {enabled}`; `ping` every 20 s. The socket reconnects by itself after 1, 2, 4, 8, 15, 15… s;
 * `session_not_open` retries every 5 s; an expired or invalid login token returns to the
 * login form.
 *
 * Storage: sessionStorage "bridge.console.auth" ({token, expires_at, operator}) and
 * "bridge.console.session" (the session on the board), so a reload returns to the board.
 * Times in the event log: Asia/Ho_Chi_Minh, 'vi-VN' (Vietnamese UI) or 'en-GB' (English).
 *
 * For tests, `window.bridgeConsole` is one live object:
 *   state     "logged_out" | "sessions" | "connecting" | "ready" | "reconnecting" | "waiting"
 *             | "ended" | "stopped"
 *   sites     site entries in roster order (as the server sent them)
 *   session, operator, sessions (the list from GET /api/sessions), lastError, log (entries,
 *   newest first), ws, shown, floor (site id or null), quality (site id → `quality` entry),
 *   selected (site id or null), dense (bool: the compact board is on)
 *
 * DOM hooks: body#console-page[data-view="login|sessions|board"]; #login-form,
 * #login-username, #login-password, #login-submit, #login-error, #login-notice;
 * #session-list > li > button.session-open[data-session-id]; #sessions-refresh;
 * #board-title, #board-session-state[data-state], #console-conn[data-state],
 * #board-summary, #board-floor, #board-shown; #roster-table[data-density="dense|comfortable"];
 * #roster-body > tr[data-site-id][data-state][data-muted][data-host][data-hand][data-floor]
 * [data-selected][data-removed] with td.col-name, td.col-level, td.col-state, td.col-hand,
 * td.col-audio, td.col-quality (.quality[data-grade]) and
 * button[data-action="mute"|"unmute"|"give_floor"|"show"|"lower_hand"][data-site-id];
 * #selected-bar button[data-selected-action]; #board-mute-all, #board-unmute-all,
 * #board-density, #board-help, #board-end; #hands-panel[data-count] with #hand-list > li
 * [data-site-id]; #confirm-dialog (#confirm-ok), #help-dialog (#help-list);
 * #event-log > li[data-kind]; #logout-button; #board-back; [data-lang="vi"|"en"].
 *
 * The board: a row per site, built from the COLUMNS list below, with the hands queue and
 * the log beside it. From 13 sites on it is compact (a grid of one-line rows, three across
 * at 1366 px), so 60 sites fit a 1366×768 screen; the "compact" button overrides that and
 * the choice is remembered (localStorage "bridge.console.density"). Keyboard shortcuts
 * (SHORTCUTS below, listed in the help dialog, ?) act on the selected row.
 *
 * Network quality grades (good / fair / poor, computed by the bridge, see docs/protocol.md)
 * show as a coloured dot with a letter; the figures are in the cell's tooltip.
 */

import {
  bindLangButtons,
  currentLang,
  detectLang,
  errorText,
  formatDateTime,
  formatTime,
  onLangChange,
  setLang,
  t,
} from "./i18n.js";

const AUTH_KEY = "bridge.console.auth";
const SESSION_KEY = "bridge.console.session";
const PING_INTERVAL_MS = 20_000;
const WAITING_RETRY_MS = 5_000;
const BACKOFF_FIRST_S = 1;
const BACKOFF_MAX_S = 15;
const LOG_LIMIT = 200;
const AUTH_ERRORS = new Set(["unauthorized", "invalid_token", "token_expired"]);
const DENSITY_KEY = "bridge.console.density";
const DENSE_FROM = 13; // sites: from this many on, the board is compact unless told otherwise

const model = {
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
};
window.bridgeConsole = model;

const $ = (id) => document.getElementById(id);
const dom = {
  body: document.body,
  operator: $("console-operator"),
  logout: $("logout-button"),
  loginView: $("login-view"),
  loginForm: $("login-form"),
  loginUser: $("login-username"),
  loginPass: $("login-password"),
  loginSubmit: $("login-submit"),
  loginError: $("login-error"),
  loginNotice: $("login-notice"),
  sessionsView: $("sessions-view"),
  sessionsHeading: $("sessions-heading"),
  sessionsStatus: $("sessions-status"),
  sessionList: $("session-list"),
  sessionsRefresh: $("sessions-refresh"),
  boardView: $("board-view"),
  boardBack: $("board-back"),
  boardTitle: $("board-title"),
  boardState: $("board-session-state"),
  conn: $("console-conn"),
  connText: $("console-conn-text"),
  summary: $("board-summary"),
  rosterBody: $("roster-body"),
  voice: $("board-voice"),
  rosterEmpty: $("roster-empty"),
  log: $("event-log"),
  rosterTable: $("roster-table"),
  rosterWrap: document.querySelector(".roster-wrap"),
  floor: $("board-floor"),
  shown: $("board-shown"),
  selectedBar: $("selected-bar"),
  selectedName: $("selected-name"),
  muteAll: $("board-mute-all"),
  unmuteAll: $("board-unmute-all"),
  density: $("board-density"),
  help: $("board-help"),
  end: $("board-end"),
  handsPanel: $("hands-panel"),
  handsCount: $("hands-count"),
  handList: $("hand-list"),
  handsEmpty: $("hands-empty"),
  confirm: $("confirm-dialog"),
  confirmTitle: $("confirm-title"),
  confirmText: $("confirm-text"),
  confirmOk: $("confirm-ok"),
  helpDialog: $("help-dialog"),
  helpList: $("help-list"),
};

let auth = null; // {token, expires_at, operator}
let expiryTimer = null;
let loginNoticeKey = null;
let sessionsStatusKey = null;
let sessionsError = null;
let sessionId = null;
let generation = 0;
let ws = null;
let pingTimer = null;
let retryTimer = null;
let countdownTimer = null;
let retryAt = null;
let backoffS = BACKOFF_FIRST_S;
let waitingForOpen = false;
let requestSeq = 0;
const pending = new Map(); // request id → {action, siteId}
const rows = new Map(); // site id → <tr>
const previews = new Map(); // site id → MediaStream of its live preview

// ---- storage -------------------------------------------------------------------------------

function storageGet(key) {
  try {
    return sessionStorage.getItem(key);
  } catch {
    return null;
  }
}

function storageSet(key, value) {
  try {
    if (value === null) sessionStorage.removeItem(key);
    else sessionStorage.setItem(key, value);
  } catch {
    /* kept in memory only */
  }
}

function expiryMs(expiresAt) {
  if (typeof expiresAt === "number") return expiresAt < 1e12 ? expiresAt * 1000 : expiresAt;
  const parsed = Date.parse(expiresAt);
  return Number.isNaN(parsed) ? null : parsed;
}

function loadAuth() {
  const raw = storageGet(AUTH_KEY);
  if (!raw) return null;
  try {
    const saved = JSON.parse(raw);
    if (!saved || typeof saved.token !== "string") return null;
    const expires = expiryMs(saved.expires_at);
    if (expires !== null && expires <= Date.now()) {
      loginNoticeKey = "console.login.expired";
      storageSet(AUTH_KEY, null);
      return null;
    }
    return saved;
  } catch {
    return null;
  }
}

function setAuth(value) {
  auth = value;
  model.operator = value ? value.operator : null;
  storageSet(AUTH_KEY, value ? JSON.stringify(value) : null);
  clearTimeout(expiryTimer);
  const expires = value ? expiryMs(value.expires_at) : null;
  if (expires !== null) {
    const delay = Math.min(expires - Date.now(), 2 ** 31 - 1);
    expiryTimer = setTimeout(() => logout("console.login.expired"), Math.max(0, delay));
  }
}

// ---- HTTP API ------------------------------------------------------------------------------

class ApiError extends Error {
  constructor(code, message, status) {
    super(message || code);
    this.code = code;
    this.serverMessage = message || null;
    this.status = status;
  }

  text() {
    if (this.code === "http") return t("error.http", { status: this.status });
    return errorText(this.code, this.serverMessage);
  }
}

async function api(method, path, body) {
  const headers = { Accept: "application/json", "Accept-Language": currentLang() };
  if (auth) headers.Authorization = `Bearer ${auth.token}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let response;
  try {
    response = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: "no-store",
      credentials: "same-origin",
    });
  } catch {
    throw new ApiError("network", null, 0);
  }
  let data = null;
  try {
    data = await response.json();
  } catch {
    data = null;
  }
  if (!response.ok) {
    const err = (data && data.error) || {};
    throw new ApiError(err.code || "http", err.message, response.status);
  }
  return data;
}

// ---- views ---------------------------------------------------------------------------------

function setState(state) {
  model.state = state;
  render();
}

function viewOf(state) {
  if (state === "logged_out") return "login";
  if (state === "sessions") return "sessions";
  return "board";
}

function showView(focusHeading) {
  const view = viewOf(model.state);
  const changed = dom.body.dataset.view !== view;
  dom.body.dataset.view = view;
  dom.loginView.hidden = view !== "login";
  dom.sessionsView.hidden = view !== "sessions";
  dom.boardView.hidden = view !== "board";
  if (changed && focusHeading) {
    const heading = { login: dom.loginUser, sessions: dom.sessionsHeading, board: dom.boardTitle };
    heading[view].focus();
  }
}

function render() {
  showView(true);
  renderHeader();
  renderLogin();
  renderSessions();
  renderBoard();
}

function renderHeader() {
  const operator = auth && auth.operator;
  dom.operator.hidden = !operator;
  dom.logout.hidden = !auth;
  if (operator) {
    dom.operator.textContent = t("console.operator", {
      username: operator.username,
      role: t(`role.${operator.role}`, {}, operator.role),
    });
  }
}

function renderLogin() {
  dom.loginNotice.hidden = !loginNoticeKey;
  dom.loginNotice.textContent = loginNoticeKey ? t(loginNoticeKey) : "";
}

function renderSessions() {
  dom.sessionsStatus.textContent = sessionsError
    ? sessionsError.text()
    : sessionsStatusKey
      ? t(sessionsStatusKey)
      : "";
  dom.sessionsStatus.dataset.kind = sessionsError ? "error" : "info";
  dom.sessionList.replaceChildren(
    ...model.sessions.map((session) => {
      const li = document.createElement("li");
      const button = document.createElement("button");
      button.type = "button";
      button.className = "session-open";
      button.dataset.sessionId = String(session.id);
      button.dataset.state = session.state;
      const title = document.createElement("span");
      title.className = "session-title";
      title.textContent = session.title;
      const state = document.createElement("span");
      state.className = "pill";
      state.dataset.state = session.state;
      state.textContent = t(`state.session.${session.state}`, {}, session.state);
      const count = document.createElement("span");
      count.className = "session-count";
      const sites = Array.isArray(session.roster) ? session.roster.length : 0;
      count.textContent = t("console.sessions.sites", { count: sites });
      button.append(title, state, count);
      button.addEventListener("click", () => openBoard(session.id, session));
      li.append(button);
      return li;
    }),
  );
}

function renderBoard() {
  const session = model.session;
  dom.boardTitle.textContent = session ? session.title : t("console.board.loading");
  dom.boardState.dataset.state = session ? session.state : "";
  dom.boardState.textContent = session
    ? t(`state.session.${session.state}`, {}, session.state)
    : "";
  dom.boardState.hidden = !session;

  const state = model.state;
  dom.conn.dataset.state = state;
  const seconds = retryAt ? Math.max(0, Math.ceil((retryAt - Date.now()) / 1000)) : null;
  if (state === "stopped") {
    dom.connText.textContent = errorText(model.lastError && model.lastError.code,
      model.lastError && model.lastError.message);
  } else if ((state === "reconnecting" || state === "waiting") && seconds !== null) {
    dom.connText.textContent = t(`console.conn.${state}_in`, { seconds });
  } else {
    dom.connText.textContent = t(`console.conn.${state}`, {}, "");
  }
  renderRoster();
}

// ---- roster table --------------------------------------------------------------------------

/* One entry per column, in table order; later features (level meter, floor, shown site)
 * add an entry here and a <th> in console.html. */
const COLUMNS = [
  { cls: "col-index", fill: (td, site, index) => (td.textContent = String(index + 1)) },
  { cls: "col-name", fill: fillName },
  { cls: "col-level", fill: (td, site) => (td.textContent = t(`level.${site.level}`, {}, site.level)) },
  { cls: "col-state", fill: fillState },
  { cls: "col-hand", fill: fillHand },
  { cls: "col-audio", fill: fillAudio },
  { cls: "col-quality", fill: fillQuality },
  { cls: "col-actions", fill: fillActions },
];

const siteName = (siteId) => {
  const site = model.sites.find((s) => s.id === siteId);
  return site ? site.name : `#${siteId}`;
};

function fillName(td, site) {
  let name = td.querySelector(".site-name-text");
  if (!name) {
    const video = document.createElement("video");
    video.className = "site-preview";
    video.muted = true;
    video.autoplay = true;
    video.playsInline = true;
    video.addEventListener("playing", () => {
      model.previewing.add(site.id);
      video.dataset.playing = "true";
    });
    name = document.createElement("span");
    name.className = "site-name-text";
    const badge = document.createElement("span");
    badge.className = "badge badge-host";
    const shown = document.createElement("span");
    shown.className = "badge badge-shown";
    const floor = document.createElement("span");
    floor.className = "badge badge-floor";
    td.append(video, name, " ", badge, " ", shown, " ", floor);
  }
  name.textContent = site.name;
  td.title = site.name; // the compact board may cut a long name short
  const floor = td.querySelector(".badge-floor");
  floor.textContent = t("console.floor.badge");
  floor.hidden = model.floor !== site.id;
  const badge = td.querySelector(".badge-host");
  badge.textContent = t("console.host");
  badge.hidden = !site.host;
  const shown = td.querySelector(".badge-shown");
  shown.textContent = t("console.shown");
  shown.hidden = !(model.shown && model.shown.site_id === site.id);
  const video = td.querySelector(".site-preview");
  const stream = previews.get(site.id) || null;
  if (video.srcObject !== stream) video.srcObject = stream;
  video.hidden = !stream;
}

function fillState(td, site) {
  let tag = td.firstElementChild;
  if (!tag) {
    tag = document.createElement("span");
    tag.className = "state";
    const dot = document.createElement("span");
    dot.className = "dot";
    dot.setAttribute("aria-hidden", "true");
    tag.append(dot, document.createElement("span"));
    td.append(tag);
  }
  tag.dataset.state = site.state;
  const text = site.removed ? t("console.state.removed") : t(`state.site.${site.state}`, {}, site.state);
  tag.lastElementChild.textContent = text;
  td.title = text; // the compact board shows the dot only
}

function fillAudio(td, site) {
  let tag = td.firstElementChild;
  if (!tag) {
    tag = document.createElement("span");
    tag.className = "audio-state";
    const icon = document.createElement("span");
    icon.className = "audio-icon";
    icon.setAttribute("aria-hidden", "true");
    tag.append(icon, document.createElement("span"));
    td.append(tag);
  }
  tag.dataset.muted = String(Boolean(site.muted));
  tag.lastElementChild.textContent = t(site.muted ? "console.audio.muted" : "console.audio.open");
  if (!td.querySelector(".meter")) {
    const meter = document.createElement("span");
    meter.className = "meter";
    meter.setAttribute("aria-hidden", "true"); // the talk state is announced as text
    const fill = document.createElement("span");
    fill.className = "meter-fill";
    meter.append(fill);
    td.append(meter);
  }
  paintMeter(td, model.meters.get(site.id));
}

/* The input level bar, -60..0 dBFS, and talk state of one row; called at up to 10 Hz, so
 * it touches only this cell. A muted hall is still metered: the operator sees it talking. */
function paintMeter(td, meter) {
  const fill = td && td.querySelector(".meter-fill");
  if (!fill) return;
  const level = meter ? meter.level : -120;
  const percent = Math.max(0, Math.min(100, ((level + 60) / 60) * 100));
  fill.style.width = `${percent.toFixed(0)}%`;
  td.dataset.talking = String(Boolean(meter && meter.talking));
  td.title = meter ? t("console.audio.level", { level: Math.round(level) }) : "";
}

function onMeters(entries) {
  if (!Array.isArray(entries)) return;
  for (const meter of entries) {
    model.meters.set(meter.id, meter);
    const row = dom.rosterBody.querySelector(`tr[data-site-id="${Number(meter.id)}"]`);
    if (row) paintMeter(row.querySelector(".col-audio"), meter);
  }
}

/* A raised hand: its place in the queue, and a button to lower it. */
function fillHand(td, site) {
  let tag = td.querySelector(".hand");
  if (!tag) {
    tag = document.createElement("span");
    tag.className = "hand";
    const lower = document.createElement("button");
    lower.type = "button";
    lower.className = "button button-small button-lower";
    lower.dataset.action = "lower_hand";
    lower.dataset.siteId = String(site.id);
    td.append(tag, lower);
  }
  const place = handPlace(site.id);
  tag.hidden = !place;
  tag.textContent = place ? String(place) : "";
  td.title = place ? t("console.hand.raised", { place }) : "";
  const lower = td.querySelector('button[data-action="lower_hand"]');
  lower.hidden = !place;
  lower.disabled = model.state !== "ready";
  lower.textContent = t("console.action.lower_hand_short");
  lower.setAttribute("aria-label", t("console.action.lower_hand_site", { name: site.name }));
}

/** The raised hands, who asked first first. */
function handQueue() {
  return model.sites
    .filter((s) => s.hand_raised)
    .sort((a, b) => (a.hand_seq ?? 0) - (b.hand_seq ?? 0));
}

function handPlace(siteId) {
  const i = handQueue().findIndex((s) => s.id === siteId);
  return i >= 0 ? i + 1 : 0;
}

/* The link's grade as a coloured dot and a letter (never colour alone); figures in the
 * tooltip, and as small text on the comfortable board. */
function fillQuality(td, site) {
  let tag = td.querySelector(".quality");
  if (!tag) {
    tag = document.createElement("span");
    tag.className = "quality";
    const dot = document.createElement("span");
    dot.className = "quality-dot";
    dot.setAttribute("aria-hidden", "true");
    const label = document.createElement("span");
    label.className = "quality-label";
    const figures = document.createElement("span");
    figures.className = "quality-figures";
    tag.append(dot, label, figures);
    td.append(tag);
  }
  paintQuality(td, site);
}

const figure = (value, digits = 0) =>
  value === null || value === undefined
    ? "–"
    : Number(value).toLocaleString(currentLang() === "en" ? "en-GB" : "vi-VN", {
        maximumFractionDigits: digits,
        minimumFractionDigits: digits,
      });

function paintQuality(td, site) {
  const tag = td && td.querySelector(".quality");
  if (!tag) return;
  const q = site.state === "connected" ? model.quality.get(site.id) : null;
  const grade = q ? q.grade : "unknown";
  tag.dataset.grade = grade;
  tag.querySelector(".quality-label").textContent = t(`console.quality.${grade}`);
  const worst = (a, b) => (a === null && b === null ? null : Math.max(a ?? 0, b ?? 0));
  tag.querySelector(".quality-figures").textContent = q
    ? t("console.quality.short", {
        rtt: figure(q.rtt_ms),
        loss: figure(worst(q.loss_in_pct, q.loss_out_pct), 1),
      })
    : "";
  td.title = q
    ? t("console.quality.detail", {
        grade: t(`console.quality.${grade}_long`),
        rtt: figure(q.rtt_ms),
        loss_in: figure(q.loss_in_pct, 1),
        loss_out: figure(q.loss_out_pct, 1),
        jitter_in: figure(q.jitter_in_ms),
        jitter_out: figure(q.jitter_out_ms),
      })
    : t("console.quality.unknown_long");
}

function onQuality(entries) {
  if (!Array.isArray(entries)) return;
  model.quality = new Map(entries.map((e) => [e.id, e]));
  for (const site of model.sites) {
    const row = rows.get(String(site.id));
    if (row) paintQuality(row.querySelector(".col-quality"), site);
  }
}

/* One mute toggle (its data-action says what a click does), give the floor, show. */
function fillActions(td, site) {
  if (!td.firstElementChild) {
    for (const action of ["mute", "give_floor", "show"]) {
      const button = document.createElement("button");
      button.type = "button";
      button.className = `button button-small button-${action}`;
      button.dataset.action = action;
      button.dataset.siteId = String(site.id);
      td.append(button);
    }
  }
  const ready = model.state === "ready";
  const offline = site.state === "offline";
  const [toggle, floor, show] = td.children;
  toggle.dataset.action = site.muted ? "unmute" : "mute";
  toggle.className = `button button-small button-${toggle.dataset.action}`;
  // The compact board has room for a word per button; the full name is in the label.
  const short = model.dense ? "_short" : "";
  toggle.textContent = t(site.muted ? `console.action.unmute${short}` : `console.action.mute${short}`);
  toggle.setAttribute(
    "aria-label",
    t(site.muted ? "console.action.unmute_site" : "console.action.mute_site", { name: site.name }),
  );
  toggle.disabled = !ready;
  floor.textContent = t(`console.action.give_floor${short}`);
  floor.setAttribute("aria-label", t("console.action.give_floor_site", { name: site.name }));
  toggle.title = toggle.getAttribute("aria-label");
  floor.title = floor.getAttribute("aria-label");
  floor.disabled = !ready || offline || model.floor === site.id;
  show.textContent = t("console.action.show");
  show.setAttribute("aria-label", t("console.action.show_site", { name: site.name }));
  show.disabled = !ready || Boolean(model.shown && model.shown.site_id === site.id);
}

function fillRow(tr, site, index) {
  tr.dataset.siteId = String(site.id);
  tr.dataset.state = site.state;
  tr.dataset.muted = String(Boolean(site.muted));
  tr.dataset.host = String(Boolean(site.host));
  tr.dataset.hand = String(Boolean(site.hand_raised));
  tr.dataset.floor = String(model.floor === site.id);
  tr.dataset.removed = String(Boolean(site.removed));
  tr.dataset.selected = String(model.selected === site.id);
  tr.setAttribute("aria-selected", String(model.selected === site.id));
  const cells = tr.children;
  COLUMNS.forEach((col, i) => col.fill(cells[i], site, index));
}

function newRow() {
  const tr = document.createElement("tr");
  for (const col of COLUMNS) {
    const td = document.createElement(col.cls === "col-name" ? "th" : "td");
    if (col.cls === "col-name") td.scope = "row";
    td.className = col.cls;
    tr.append(td);
  }
  return tr;
}

function densityOverride() {
  const saved = storageLocal(DENSITY_KEY);
  return saved === "dense" || saved === "comfortable" ? saved : null;
}

function storageLocal(key, value) {
  try {
    if (value === undefined) return localStorage.getItem(key);
    localStorage.setItem(key, value);
  } catch {
    /* not remembered */
  }
  return null;
}

function renderRoster() {
  const override = densityOverride();
  const wasDense = model.dense;
  model.dense = override ? override === "dense" : model.sites.length >= DENSE_FROM;
  if (wasDense !== model.dense && model.state === "ready") {
    // Previews belong to the full board only: the compact one has no room for pictures,
    // and a console that shows none should not pull sixty small streams.
    if (model.dense) stopPreviews();
    else startPreviews(generation).catch((err) => console.warn("bridge console: previews", err));
  }
  dom.rosterTable.dataset.density = model.dense ? "dense" : "comfortable";
  dom.density.setAttribute("aria-pressed", String(model.dense));
  if (model.selected !== null && !model.sites.some((s) => s.id === model.selected)) {
    model.selected = null;
  }
  const ids = model.sites.map((s) => String(s.id));
  const current = [...dom.rosterBody.children].map((tr) => tr.dataset.siteId);
  if (ids.join(",") !== current.join(",")) {
    rows.clear();
    dom.rosterBody.replaceChildren(
      ...model.sites.map((site) => {
        const tr = newRow();
        rows.set(String(site.id), tr);
        return tr;
      }),
    );
  }
  model.sites.forEach((site, index) => fillRow(rows.get(String(site.id)), site, index));
  const emptyKey =
    model.state === "ready"
      ? "console.roster.empty"
      : model.state === "waiting"
        ? "console.roster.waiting"
        : null;
  dom.rosterEmpty.hidden = model.sites.length > 0 || !emptyKey;
  dom.rosterEmpty.textContent = emptyKey ? t(emptyKey) : "";

  const count = (pred) => model.sites.filter(pred).length;
  dom.summary.textContent = model.sites.length
    ? t("console.board.summary", {
        total: model.sites.length,
        connected: count((s) => s.state === "connected"),
        connecting: count((s) => s.state === "connecting"),
        offline: count((s) => s.state === "offline"),
        muted: count((s) => s.muted),
      })
    : "";
  const shownId = model.shown ? model.shown.site_id : null;
  dom.floor.textContent = model.floor !== null ? siteName(model.floor) : t("console.floor.none");
  dom.shown.textContent = shownId !== null ? siteName(shownId) : "—";
  renderHands();
  renderSelected();
  const ready = model.state === "ready";
  for (const button of [dom.muteAll, dom.unmuteAll, dom.end]) button.disabled = !ready;
}

/* The hands queue beside the board, who asked first at the top: give the floor or lower. */
function renderHands() {
  const queue = handQueue();
  dom.handsPanel.dataset.count = String(queue.length);
  dom.handsCount.textContent = String(queue.length);
  dom.handsEmpty.hidden = queue.length > 0;
  const ready = model.state === "ready";
  dom.handList.replaceChildren(
    ...queue.map((site, i) => {
      const li = document.createElement("li");
      li.dataset.siteId = String(site.id);
      const place = document.createElement("span");
      place.className = "hand";
      place.textContent = String(i + 1);
      const name = document.createElement("span");
      name.className = "hand-name";
      name.textContent = site.name;
      name.title = site.name;
      const floor = document.createElement("button");
      floor.type = "button";
      floor.className = "button button-small button-floor";
      floor.dataset.action = "give_floor";
      floor.dataset.siteId = String(site.id);
      floor.textContent = t("console.action.give_floor_short"); // leave the name room
      floor.setAttribute("aria-label", t("console.action.give_floor_site", { name: site.name }));
      floor.disabled = !ready || site.state === "offline";
      const lower = document.createElement("button");
      lower.type = "button";
      lower.className = "button button-small button-lower";
      lower.dataset.action = "lower_hand";
      lower.dataset.siteId = String(site.id);
      lower.textContent = t("console.action.lower_hand_short");
      lower.setAttribute("aria-label", t("console.action.lower_hand_site", { name: site.name }));
      lower.disabled = !ready;
      li.append(place, name, floor, lower);
      return li;
    }),
  );
}

/* The bar above the board acts on the selected row (click a row, or j/k). */
function renderSelected() {
  const site = model.sites.find((s) => s.id === model.selected) || null;
  dom.selectedName.textContent = site ? site.name : t("console.selected.none");
  dom.selectedBar.dataset.siteId = site ? String(site.id) : "";
  const ready = model.state === "ready" && site !== null;
  for (const button of dom.selectedBar.querySelectorAll("button[data-selected-action]")) {
    const action = button.dataset.selectedAction;
    let enabled = ready;
    if (site && action === "mute") {
      button.textContent = t(site.muted ? "console.action.unmute" : "console.action.mute");
    }
    if (site && action === "give_floor") enabled &&= site.state !== "offline" && model.floor !== site.id;
    if (site && action === "show") enabled &&= !(model.shown && model.shown.site_id === site.id);
    if (site && action === "lower_hand") enabled &&= Boolean(site.hand_raised);
    if (site && action === "remove") enabled &&= site.state !== "offline";
    button.disabled = !enabled;
  }
}

// ---- event log -----------------------------------------------------------------------------

/** `text` is a function so the log re-renders in the other language after a switch. */
function logEvent(kind, text) {
  const entry = { at: new Date(), kind, text };
  model.log.unshift(entry);
  if (model.log.length > LOG_LIMIT) model.log.length = LOG_LIMIT;
  dom.log.prepend(logItem(entry));
  while (dom.log.children.length > LOG_LIMIT) dom.log.lastElementChild.remove();
}

function logItem(entry) {
  const li = document.createElement("li");
  li.dataset.kind = entry.kind;
  const time = document.createElement("time");
  time.dateTime = entry.at.toISOString();
  time.title = formatDateTime(entry.at);
  time.textContent = formatTime(entry.at);
  const text = document.createElement("span");
  text.className = "log-text";
  text.textContent = entry.text();
  li.append(time, " ", text);
  return li;
}

function renderLog() {
  dom.log.replaceChildren(...model.log.map(logItem));
}

const siteState = (state) => t(`state.site.${state}`, {}, state);

// ---- WebSocket -----------------------------------------------------------------------------

function wsUrl() {
  return `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/ws`;
}

function send(message) {
  if (ws && ws.readyState === WebSocket.OPEN) {
    ws.send(JSON.stringify(message));
    return true;
  }
  return false;
}

function connect() {
  clearRetry();
  closeSocket();
  if (!auth || sessionId === null) return;
  const gen = ++generation;
  waitingForOpen = false;
  ws = new WebSocket(wsUrl());
  model.ws = ws;
  ws.addEventListener("open", () => {
    if (gen !== generation) return;
    send({ type: "operator", session_id: sessionId, token: auth.token, lang: currentLang() });
    pingTimer = setInterval(() => send({ type: "ping" }), PING_INTERVAL_MS);
  });
  ws.addEventListener("message", (event) => {
    if (gen !== generation) return;
    let message;
    try {
      message = JSON.parse(event.data);
    } catch {
      return;
    }
    handleMessage(message);
  });
  ws.addEventListener("close", (event) => {
    if (gen !== generation) return;
    onClosed(event.code);
  });
  render();
}

function closeSocket() {
  clearInterval(pingTimer);
  pingTimer = null;
  if (ws) {
    generation += 1;
    if (ws.readyState === WebSocket.CONNECTING || ws.readyState === WebSocket.OPEN) ws.close(1000);
  }
  ws = null;
  model.ws = null;
  pending.clear();
  stopPreviews();
}

function handleMessage(message) {
  switch (message.type) {
    case "ready":
      backoffS = BACKOFF_FIRST_S;
      model.lastError = null;
      if (message.session) model.session = message.session;
      setState("ready");
      logEvent("info", () => t("console.log.ready"));
      break;
    case "roster":
      model.sites = Array.isArray(message.sites) ? message.sites : [];
      render();
      startPreviews(generation).catch((err) => console.warn("bridge console: previews", err));
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
      onQuality(message.sites);
      break;
    case "shown":
      onShown(message);
      break;
    case "meters":
      onMeters(message.sites);
      break;
    case "answer":
      if (model.previewPc && message.ref_id === "previews") {
        model.previewPc
          .setRemoteDescription({ type: "answer", sdp: message.sdp })
          .catch((err) => console.warn("bridge console: previews answer", err));
      }
      break;
    case "session":
      if (message.session) onSession(message.session);
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
    const site = model.sites.find((s) => s.id === message.site_id);
    const name = site ? site.name : `#${message.site_id}`;
    logEvent("info", () => t("console.log.shown", { name }));
  }
}

/* Every site's live preview, as forwarded by the bridge (never re-encoded): one receive-only
 * video transceiver per roster site, in roster order (docs/protocol.md, "Video"). */
async function startPreviews(gen) {
  stopPreviews();
  if (typeof RTCPeerConnection === "undefined" || model.sites.length === 0 || model.dense) return;
  const pc = new RTCPeerConnection({ bundlePolicy: "max-bundle", rtcpMuxPolicy: "require" });
  model.previewPc = pc;
  const bySite = new Map();
  // Only what the bridge forwards (VP8, H.264 constrained baseline): a shorter offer, so
  // one m-line per site stays within the 64 KiB message limit for far more sites.
  const codecs = (RTCRtpReceiver.getCapabilities("video") || { codecs: [] }).codecs.filter(
    (c) =>
      /^video\/(vp8|rtx)$/i.test(c.mimeType) ||
      (/^video\/h264$/i.test(c.mimeType) && /profile-level-id=42/i.test(c.sdpFmtpLine || "")),
  );
  for (const site of model.sites) {
    const transceiver = pc.addTransceiver("video", { direction: "recvonly" });
    if (codecs.length && transceiver.setCodecPreferences) {
      try {
        transceiver.setCodecPreferences(codecs);
      } catch (err) {
        console.warn("bridge console: codec preferences", err);
      }
    }
    bySite.set(transceiver, site.id);
  }
  pc.addEventListener("track", (event) => {
    const siteId = bySite.get(event.transceiver);
    if (siteId === undefined || model.previewPc !== pc) return;
    previews.set(siteId, new MediaStream([event.track]));
    renderRoster();
  });
  await pc.setLocalDescription(await pc.createOffer());
  await new Promise((resolve) => {
    if (pc.iceGatheringState === "complete") return resolve();
    const timer = setTimeout(resolve, 2_000);
    pc.addEventListener("icegatheringstatechange", () => {
      if (pc.iceGatheringState === "complete") {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  if (gen !== generation || model.previewPc !== pc) return;
  send({ type: "offer", sdp: pc.localDescription.sdp, id: "previews" });
}

function stopPreviews() {
  if (model.previewPc) model.previewPc.close();
  model.previewPc = null;
  model.previewing.clear();
  previews.clear();
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
    waitingForOpen = true;
  }
}

function onClosed(code) {
  ws = null;
  model.ws = null;
  clearInterval(pingTimer);
  if (["ended", "stopped", "logged_out", "sessions"].includes(model.state)) return;
  if (code === 4401) {
    logout("console.login.expired");
    return;
  }
  if (code === 4410) {
    stopBoard("ended");
    return;
  }
  if (code === 4403 || code === 4000) {
    if (!model.lastError) model.lastError = { code: code === 4000 ? "replaced" : "wrong_session" };
    stopBoard("stopped");
    return;
  }
  if (code === 4409 || waitingForOpen) {
    scheduleRetry(WAITING_RETRY_MS, "waiting");
    return;
  }
  const delay = backoffS;
  backoffS = Math.min(backoffS * 2, BACKOFF_MAX_S);
  logEvent("warn", () => t("console.log.disconnected", { seconds: delay }));
  scheduleRetry(delay * 1000, "reconnecting");
}

function scheduleRetry(delayMs, state) {
  clearRetry();
  retryAt = Date.now() + delayMs;
  retryTimer = setTimeout(connect, delayMs);
  countdownTimer = setInterval(renderBoard, 1000);
  setState(state);
}

function clearRetry() {
  clearTimeout(retryTimer);
  clearInterval(countdownTimer);
  retryTimer = null;
  countdownTimer = null;
  retryAt = null;
}

function stopBoard(state) {
  clearRetry();
  closeSocket();
  setState(state);
}

/** Send one control message; ``siteId`` null for the session-wide ones. */
function sendControl(action, siteId = null) {
  const id = `c${++requestSeq}`;
  const message = siteId === null ? { type: action, id } : { type: action, site_id: siteId, id };
  if (!send(message)) return;
  pending.set(id, { action, siteId });
  const name = siteId === null ? "" : siteName(siteId);
  logEvent("info", () => t(`console.log.sent_${action}`, { name }));
}

// ---- selection, confirmations, keyboard ----------------------------------------------------

function select(siteId, { scroll = false } = {}) {
  model.selected = siteId;
  renderBoard();
  const row = siteId === null ? null : rows.get(String(siteId));
  if (row && scroll) row.scrollIntoView({ block: "nearest" });
}

function moveSelection(step) {
  if (!model.sites.length) return;
  const i = model.sites.findIndex((s) => s.id === model.selected);
  const next = i < 0 ? (step > 0 ? 0 : model.sites.length - 1) : i + step;
  const clamped = Math.max(0, Math.min(model.sites.length - 1, next));
  select(model.sites[clamped].id, { scroll: true });
}

/** Ask before something that cannot be undone; resolves true on "OK". */
function confirmAction(titleKey, textKey, okKey, params = {}) {
  dom.confirmTitle.textContent = t(titleKey, params);
  dom.confirmText.textContent = t(textKey, params);
  dom.confirmOk.textContent = t(okKey, params);
  dom.confirm.returnValue = "";
  return new Promise((resolve) => {
    dom.confirm.addEventListener("close", () => resolve(dom.confirm.returnValue === "ok"), {
      once: true,
    });
    dom.confirm.showModal();
    dom.confirm.querySelector('button[value="cancel"]').focus();
  });
}

/* A site action from any button (row, selected bar, hands queue) or shortcut. */
async function siteAction(action, siteId) {
  const site = model.sites.find((s) => s.id === siteId);
  if (!site || model.state !== "ready") return;
  if (action === "remove") {
    const ok = await confirmAction(
      "console.confirm.remove_title",
      "console.confirm.remove_text",
      "console.action.remove",
      { name: site.name },
    );
    if (ok) sendControl("remove", siteId);
    return;
  }
  if (action === "mute") action = site.muted ? "unmute" : "mute"; // the bar's toggle
  sendControl(action, siteId);
}

async function endSession() {
  if (model.state !== "ready") return;
  const ok = await confirmAction(
    "console.confirm.end_title",
    "console.confirm.end_text",
    "console.action.end_session",
    { title: model.session ? model.session.title : "" },
  );
  if (ok) sendControl("end_session");
}

function toggleDensity() {
  storageLocal(DENSITY_KEY, model.dense ? "comfortable" : "dense");
  renderBoard();
}

function toggleVoice() {
  dom.voice.checked = !dom.voice.checked;
  send({ type: "voice_activated", enabled: dom.voice.checked });
}

/* Key → what it does, in the help dialog's order. Letters are matched case-insensitively. */
const SHORTCUTS = [
  { keys: ["j", "ArrowDown"], label: "console.keys.next", run: () => moveSelection(1) },
  { keys: ["k", "ArrowUp"], label: "console.keys.previous", run: () => moveSelection(-1) },
  { keys: ["m"], label: "console.keys.mute", run: () => selectedAction("mute") },
  { keys: ["f"], label: "console.keys.floor", run: () => selectedAction("give_floor") },
  { keys: ["s"], label: "console.keys.show", run: () => selectedAction("show") },
  { keys: ["l"], label: "console.keys.lower", run: () => selectedAction("lower_hand") },
  { keys: ["n"], label: "console.keys.next_hand", run: floorToFirstHand },
  { keys: ["a"], label: "console.keys.mute_all", run: () => globalAction("mute_all_except_host") },
  { keys: ["u"], label: "console.keys.unmute_all", run: () => globalAction("unmute_all") },
  { keys: ["v"], label: "console.keys.voice", run: () => model.state === "ready" && toggleVoice() },
  { keys: ["c"], label: "console.keys.compact", run: toggleDensity },
  { keys: ["Delete"], label: "console.keys.remove", run: () => selectedAction("remove") },
  { keys: ["?"], label: "console.keys.help", run: () => showHelp() },
  { keys: ["Escape"], label: "console.keys.unselect", run: () => select(null) },
];

function selectedAction(action) {
  if (model.selected !== null) siteAction(action, model.selected);
}

function globalAction(action) {
  if (model.state === "ready") sendControl(action);
}

function floorToFirstHand() {
  const first = handQueue().find((s) => s.state !== "offline");
  if (first) siteAction("give_floor", first.id);
}

function keyName(key) {
  const names = { ArrowDown: "↓", ArrowUp: "↑", Delete: "Delete", Escape: "Esc" };
  return names[key] || key.toUpperCase();
}

function showHelp() {
  dom.helpList.replaceChildren(
    ...SHORTCUTS.flatMap((shortcut) => {
      const dt = document.createElement("dt");
      for (const key of shortcut.keys) {
        const kbd = document.createElement("kbd");
        kbd.textContent = keyName(key);
        dt.append(kbd, " ");
      }
      const dd = document.createElement("dd");
      dd.textContent = t(shortcut.label);
      return [dt, dd];
    }),
  );
  if (!dom.helpDialog.open) dom.helpDialog.showModal();
}

/** Typing in a field never triggers a shortcut (a checkbox or a button is not typing). */
function isTyping(target) {
  if (!(target instanceof Element)) return false;
  if (target.isContentEditable || target.closest("textarea, select")) return true;
  const input = target.closest("input");
  return Boolean(input) && !["checkbox", "radio", "button", "submit"].includes(input.type);
}

function onKeyDown(event) {
  if (event.ctrlKey || event.metaKey || event.altKey || event.defaultPrevented) return;
  if (viewOf(model.state) !== "board" || isTyping(event.target)) return;
  if (dom.confirm.open || dom.helpDialog.open) return; // a dialog has the keyboard
  const key = event.key.length === 1 ? event.key.toLowerCase() : event.key;
  const shortcut = SHORTCUTS.find((s) => s.keys.includes(key));
  if (!shortcut) return;
  event.preventDefault();
  shortcut.run();
}

// ---- navigation ----------------------------------------------------------------------------

async function loadSessions() {
  sessionsError = null;
  sessionsStatusKey = "console.sessions.loading";
  renderSessions();
  try {
    const data = await api("GET", "/api/sessions");
    model.sessions = (data && Array.isArray(data.sessions) && data.sessions) || [];
    sessionsStatusKey = model.sessions.length ? null : "console.sessions.empty";
  } catch (err) {
    if (AUTH_ERRORS.has(err.code) || err.status === 401) {
      logout("console.login.expired");
      return;
    }
    sessionsError = err;
    sessionsStatusKey = null;
  }
  renderSessions();
}

function showSessions() {
  stopBoard("sessions");
  sessionId = null;
  storageSet(SESSION_KEY, null);
  model.session = null;
  model.sites = [];
  loadSessions();
}

function openBoard(id, session) {
  sessionId = Number(id);
  storageSet(SESSION_KEY, String(sessionId));
  model.session = session || null;
  model.sites = [];
  model.log = [];
  model.lastError = null;
  model.floor = null;
  model.shown = null;
  model.quality.clear();
  model.selected = null;
  renderLog();
  backoffS = BACKOFF_FIRST_S;
  model.state = "connecting";
  connect();
}

function logout(noticeKey = null) {
  if (auth && !noticeKey) {
    // Best effort: revoke the login token on the server too; the page forgets it anyway.
    api("POST", "/api/logout").catch(() => {});
  }
  stopBoard("logged_out");
  setAuth(null);
  sessionId = null;
  storageSet(SESSION_KEY, null);
  model.session = null;
  model.sites = [];
  model.sessions = [];
  model.log = [];
  renderLog();
  loginNoticeKey = noticeKey;
  render();
}

async function onLoginSubmit(event) {
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
    loginNoticeKey = null;
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

// ---- start ---------------------------------------------------------------------------------

async function main() {
  // Handlers first: a login submitted while the catalogue is still loading must go through
  // onLoginSubmit, never as a plain form post that would send the password to /console.
  dom.loginForm.addEventListener("submit", onLoginSubmit);
  bindLangButtons();
  try {
    await setLang(detectLang());
  } catch (err) {
    console.error("bridge console: no catalogue", err);
  }
  onLangChange(() => {
    render();
    renderLog();
    dom.loginError.hidden = true;
  });

  dom.logout.addEventListener("click", () => logout());
  dom.sessionsRefresh.addEventListener("click", () => loadSessions());
  dom.boardBack.addEventListener("click", () => {
    showSessions();
  });
  if (dom.voice) {
    dom.voice.addEventListener("change", () => {
      send({ type: "voice_activated", enabled: dom.voice.checked });
    });
  }
  dom.rosterBody.addEventListener("click", (event) => {
    const row = event.target.closest("tr[data-site-id]");
    if (row) select(Number(row.dataset.siteId));
    const button = event.target.closest("button[data-action]");
    if (!button || button.disabled) return;
    siteAction(button.dataset.action, Number(button.dataset.siteId));
  });
  dom.handList.addEventListener("click", (event) => {
    const button = event.target.closest("button[data-action]");
    if (!button || button.disabled) return;
    siteAction(button.dataset.action, Number(button.dataset.siteId));
  });
  dom.selectedBar.addEventListener("click", (event) => {
    const button = event.target.closest("button[data-selected-action]");
    if (!button || button.disabled) return;
    selectedAction(button.dataset.selectedAction);
  });
  dom.muteAll.addEventListener("click", () => globalAction("mute_all_except_host"));
  dom.unmuteAll.addEventListener("click", () => globalAction("unmute_all"));
  dom.density.addEventListener("click", toggleDensity);
  dom.help.addEventListener("click", showHelp);
  dom.end.addEventListener("click", () => endSession());
  document.addEventListener("keydown", onKeyDown);

  const saved = loadAuth();
  if (saved) setAuth(saved);
  const savedSession = Number(storageGet(SESSION_KEY));
  if (auth && Number.isSafeInteger(savedSession) && savedSession > 0) {
    openBoard(savedSession, null);
  } else if (auth) {
    setState("sessions");
    loadSessions();
  } else {
    setState("logged_out");
  }
}

main();
