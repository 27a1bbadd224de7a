/*
 * site.js — the site page: a hall PC joins its session by itself and stays joined.
 *
 * Served at GET /site/{session_id}#token=… (site.html). The page runs unattended, full screen;
 * the people in the hall are not technicians, so it needs no clicks and says plainly what
 * is happening. Signaling follows docs/protocol.md.
 *
 * Life of the page:
 *   - session id from location.pathname (/site/<id>), join token from location.hash
 *     (#token=…). The token is then removed from the visible URL (history.replaceState) and
 *     kept in memory and in sessionStorage ("bridge.site.token.<id>") so a reload rejoins.
 *   - WebSocket /ws → `join` → `joined` (site, session, ice_servers) → RTCPeerConnection with
 *     those ICE servers, the hall microphone, an offer sent once ICE gathering completes (or
 *     after 2 s), later candidates trickled as `candidate` → `answer` → remote audio plays in
 *     <audio id="site-remote-audio">.
 *   - Microphone: getUserMedia with echo cancellation, noise suppression and AGC on; `?raw=1`
 *     turns all three off (a steady test tone is otherwise suppressed within seconds). If no
 *     microphone can be opened, the hall still joins and listens (warning shown).
 *   - Reconnects by itself: WebSocket closed, no word from the bridge within 10 s of opening
 *     it, peer connection failed, or disconnected for more than 5 s → tear down and rejoin
 *     after 1, 2, 4, 8, 15, 15… s (reset once connected).
 *     `session_not_open` → "waiting for the session", retried every 5 s.
 *     Final, no retry: invalid_token / token_expired / wrong_session (state "invalid_link"),
 *     session_closed or a `session` event with state "closed" ("ended"), replaced ("replaced"),
 *     removed by an operator ("removed", close code 4001). A removed hall does not come back
 *     by itself; its link stays valid, so reloading the page (a person's deliberate act,
 *     after talking to the operator) joins again.
 *   - Request to speak: one big toggle button sends `hand {raised}`; the hall's own site
 *     entry (`hand_raised`, `hand_seq`) says whether its hand is up and its place in the
 *     queue. Who has the floor (`floor` events) is named under the shown site's name; a hall
 *     that has the floor sees it said plainly (and cannot raise its hand meanwhile).
 *   - `ping` every 20 s; `leave` on pagehide.
 *   - Incoming level: a WebAudio AnalyserNode on the remote stream drives a small meter.
 *   - Video: the hall camera (getUserMedia, optional: without one the hall still sees) on a
 *     second, sendrecv transceiver; what the bridge forwards — the shown site, or the host
 *     when this hall is shown — plays in <video id="site-remote-video">, with the shown
 *     site's name (`shown` events). `video {send: "off"}` pauses the camera's sender
 *     (replaceTrack(null): nothing leaves a hall that nobody sees, which is what poor links
 *     need); `"full"` (or `"preview"`) puts the camera back at once.
 *
 * For tests and diagnostics, `window.bridgeSite` is one live object:
 *   state        "starting" | "connecting" | "connected" | "reconnecting" | "waiting"
 *                | "ended" | "invalid_link" | "replaced" | "unsupported"
 *   pc, ws       the current RTCPeerConnection / WebSocket (null between attempts)
 *   lastError    last error code (protocol code, or "no_token" / "bad_link"), null if none
 *   lastErrorMessage  the server's message for it
 *   sessionId, site, session, roster (site entries), muted (bool), micAvailable (bool|null),
 *   level (0..1 incoming level), levelDb, audioActive (bool), joins (joined count), raw (bool),
 *   shown (the last `shown` event), videoSend ("full" | "preview" | "off"), cameraAvailable
 *   (bool|null), videoPlaying (bool), floor (site id with the floor, or null), handRaised,
 *   retryAt (Date.now() time of the next reconnection attempt, null when none is waiting)
 *
 * DOM hooks: body#site-page[data-state][data-muted], #site-status[data-state],
 * #site-status-text, #site-status-detail, #site-session-title, #site-name (their blocks
 * #site-session-block / #site-site-block are hidden until `joined`), #site-host-badge, #site-muted
 * (hidden unless muted), #site-roster-count, #site-audio-indicator[data-active],
 * #site-level-bar, #site-remote-audio, #site-unlock-audio, #site-mic-warning,
 * #site-floor (hidden while nobody has the floor) with #site-floor-name, #site-floor-own,
 * #site-hand-block, #site-hand[data-raised][aria-pressed], #site-hand-status.
 */

import {
  applyTranslations,
  bindLangButtons,
  currentLang,
  detectLang,
  errorText,
  onLangChange,
  setLang,
  t,
} from "./i18n.js";

const PING_INTERVAL_MS = 20_000;
const WAITING_RETRY_MS = 5_000;
const BACKOFF_FIRST_S = 1;
const BACKOFF_MAX_S = 15;
const GATHERING_MAX_MS = 2_000; // aiortc does not need trickle, but never hold the offer long
const DISCONNECTED_GRACE_MS = 5_000;
const MEDIA_WATCHDOG_MS = 30_000; // joined but media never connected → start over
// No word from the bridge this long after opening a socket → start over. On a cut network
// a socket neither opens nor fails (its handshake is silently lost and retried by the
// system, ever more slowly), so without this the page could stay stuck well after the
// network is back.
const JOIN_TIMEOUT_MS = 10_000;
const METER_INTERVAL_MS = 100;
const ACTIVE_DB = -50; // incoming audio above this counts as "sound is arriving"
const ACTIVE_HOLD_MS = 1_500;

const FINAL_ERRORS = {
  invalid_token: "invalid_link",
  token_expired: "invalid_link",
  wrong_session: "invalid_link",
  session_closed: "ended",
  replaced: "replaced",
  removed: "removed",
};
const FINAL_CLOSE_CODES = {
  4401: ["invalid_link", "invalid_token"],
  4403: ["invalid_link", "wrong_session"],
  4410: ["ended", "session_closed"],
  4000: ["replaced", "replaced"],
  4001: ["removed", "removed"],
};
const CLOSE_WAITING = 4409;

const query = new URLSearchParams(location.search);
const RAW = query.get("raw") === "1";

const diag = {
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
};
window.bridgeSite = diag;

const $ = (id) => document.getElementById(id);
const dom = {
  body: document.body,
  videoSection: $("site-video"),
  video: $("site-remote-video"),
  shownName: $("site-shown-name"),
  status: $("site-status"),
  statusText: $("site-status-text"),
  statusDetail: $("site-status-detail"),
  sessionBlock: $("site-session-block"),
  sessionTitle: $("site-session-title"),
  siteBlock: $("site-site-block"),
  siteName: $("site-name"),
  hostBadge: $("site-host-badge"),
  muted: $("site-muted"),
  micWarning: $("site-mic-warning"),
  rosterCount: $("site-roster-count"),
  audioIndicator: $("site-audio-indicator"),
  audioState: $("site-audio-state"),
  levelBar: $("site-level-bar"),
  audio: $("site-remote-audio"),
  unlock: $("site-unlock-audio"),
  floor: $("site-floor"),
  floorName: $("site-floor-name"),
  floorOwn: $("site-floor-own"),
  handBlock: $("site-hand-block"),
  hand: $("site-hand"),
  handStatus: $("site-hand-status"),
};

let token = null;
let generation = 0; // bumps on every attempt; late callbacks of older attempts are ignored
let conn = null; // {gen, ws, pc, offerSent, gatheringDoneBeforeOffer, timers}
let backoffS = BACKOFF_FIRST_S;
let retryTimer = null;
let retryAt = null;
let countdownTimer = null;
let stopped = false;
let micStream = null;
let cameraStream = null;
let audioCtx = null;
let meter = null;
let lastActiveAt = 0;

// ---- state and rendering -------------------------------------------------------------------

function setState(state) {
  diag.state = state;
  render();
}

function render() {
  const state = diag.state;
  dom.body.dataset.state = state;
  dom.status.dataset.state = state;

  if (state === "invalid_link" || state === "unsupported") {
    dom.statusText.textContent = errorText(diag.lastError, diag.lastErrorMessage);
  } else {
    dom.statusText.textContent = t(`site.status.${state}`);
  }
  dom.statusDetail.textContent = detailText(state);

  dom.sessionBlock.hidden = !diag.session;
  dom.sessionTitle.textContent = diag.session ? diag.session.title : "";
  dom.siteBlock.hidden = !diag.site;
  dom.siteName.textContent = diag.site ? diag.site.name : "";
  dom.hostBadge.hidden = !(diag.site && diag.site.host);
  // The meter only means something while the hall is (or is getting) in the session.
  dom.audioIndicator.hidden = !["connecting", "connected", "reconnecting"].includes(state);

  const showMuted = diag.muted && !isFinal(state);
  dom.muted.hidden = !showMuted;
  dom.body.dataset.muted = String(showMuted);

  dom.micWarning.hidden = diag.micAvailable !== false || isFinal(state);
  if (diag.micAvailable === false) {
    dom.micWarning.textContent = t(
      window.isSecureContext ? "site.mic.missing" : "site.mic.insecure",
    );
  }

  const total = diag.roster.length;
  if (total > 0 && !isFinal(state)) {
    const connected = diag.roster.filter((s) => s.state === "connected").length;
    dom.rosterCount.textContent = t("site.roster.count", { connected, total });
  } else {
    dom.rosterCount.textContent = "";
  }
  renderAudio();
  renderShown();
  renderFloor();
}

/* Who has the floor, and this hall's request to speak. */
function renderFloor() {
  const holder = diag.floor !== null ? diag.roster.find((s) => s.id === diag.floor) : null;
  const live = !isFinal(diag.state);
  dom.floor.hidden = !holder || !live;
  dom.floorName.textContent = holder ? holder.name : "";
  const own = Boolean(holder && diag.site && holder.id === diag.site.id);
  dom.floorOwn.hidden = !own || !live;

  const raised = Boolean(diag.site && diag.site.hand_raised);
  diag.handRaised = raised;
  dom.handBlock.hidden = !diag.site || !live;
  dom.hand.dataset.raised = String(raised);
  dom.hand.setAttribute("aria-pressed", String(raised));
  dom.hand.textContent = t(raised ? "site.hand.lower" : "site.hand.raise");
  // Asking needs the bridge to hear it; a hall with the floor has nothing to ask for.
  dom.hand.disabled = diag.state !== "connected" || own;
  let status = "";
  if (own) {
    status = t("site.hand.has_floor");
  } else if (raised) {
    const queue = diag.roster
      .filter((s) => s.hand_raised)
      .sort((a, b) => (a.hand_seq ?? 0) - (b.hand_seq ?? 0));
    const place = queue.findIndex((s) => s.id === diag.site.id) + 1;
    status = place > 0 ? t("site.hand.waiting_place", { place }) : t("site.hand.waiting");
  } else {
    status = t("site.hand.hint");
  }
  dom.handStatus.textContent = status;
}

function renderShown() {
  const shownId = diag.shown ? diag.shown.site_id : null;
  // What this hall sees: the shown site, or (when it is itself shown) the host or the
  // site shown before the host.
  let seenId = shownId;
  if (diag.site && shownId === diag.site.id) {
    const hostId = diag.session ? diag.session.host_site_id : null;
    seenId = shownId !== hostId ? hostId : diag.shown.previous;
  }
  const seen = diag.roster.find((s) => s.id === seenId);
  dom.shownName.textContent = seen ? seen.name : t("site.shown.none");
  dom.videoSection.dataset.playing = String(diag.videoPlaying);
}

function detailText(state) {
  const seconds = retryAt ? Math.max(0, Math.ceil((retryAt - Date.now()) / 1000)) : null;
  switch (state) {
    case "connecting":
      return t("site.detail.connecting");
    case "connected":
      return t("site.detail.connected");
    case "reconnecting":
      return seconds !== null
        ? t("site.detail.reconnecting_in", { seconds })
        : t("site.detail.reconnecting_now");
    case "waiting":
      return seconds !== null ? t("site.detail.waiting_in", { seconds }) : t("site.detail.waiting");
    case "ended":
      return t("site.detail.ended");
    case "invalid_link":
      return t("site.detail.invalid_link");
    case "replaced":
      return t("site.detail.replaced");
    case "removed":
      return t("site.detail.removed");
    case "unsupported":
      return t("site.detail.unsupported");
    default:
      return "";
  }
}

function renderAudio() {
  const active = diag.audioActive && diag.state === "connected";
  dom.audioIndicator.dataset.active = String(active);
  dom.audioState.textContent = t(active ? "site.audio.active" : "site.audio.silent");
  // A transform, not a width: cheap to animate; CSSOM styles are allowed by style-src 'self'.
  dom.levelBar.style.transform = `scaleX(${diag.state === "connected" ? diag.level : 0})`;
}

function isFinal(state) {
  return ["ended", "invalid_link", "replaced", "removed", "unsupported"].includes(state);
}

// ---- link and token ------------------------------------------------------------------------

function readLink() {
  const match = location.pathname.match(/\/site\/(\d+)\/?$/);
  const sessionId = match ? Number(match[1]) : NaN;
  if (!Number.isSafeInteger(sessionId) || sessionId < 1) return { sessionId: null, token: null };
  const storageKey = `bridge.site.token.${sessionId}`;
  const fromHash = new URLSearchParams(location.hash.replace(/^#/, "")).get("token");
  if (fromHash) {
    try {
      sessionStorage.setItem(storageKey, fromHash);
    } catch {
      /* kept in memory only; a reload will then need the link again */
    }
    // Keep the token out of the address bar (and of screenshots of the hall screen).
    history.replaceState(history.state, "", location.pathname + location.search);
    return { sessionId, token: fromHash };
  }
  let stored = null;
  try {
    stored = sessionStorage.getItem(storageKey);
  } catch {
    stored = null;
  }
  return { sessionId, token: stored };
}

// ---- connection attempts -------------------------------------------------------------------

function wsUrl() {
  return `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/ws`;
}

function send(message) {
  if (conn && conn.ws.readyState === WebSocket.OPEN) {
    conn.ws.send(JSON.stringify(message));
    return true;
  }
  return false;
}

function connect() {
  if (stopped) return;
  clearRetry();
  teardown();
  const gen = ++generation;
  const ws = new WebSocket(wsUrl());
  conn = {
    gen,
    ws,
    pc: null,
    offerSent: false,
    endOfCandidatesSent: false,
    waiting: false,
    pingTimer: null,
    disconnectTimer: null,
    watchdog: null,
  };
  diag.ws = ws;
  conn.joinTimer = setTimeout(() => {
    if (gen !== generation) return;
    diag.lastError = "join_timeout";
    scheduleReconnect();
  }, JOIN_TIMEOUT_MS);
  if (diag.state === "starting") diag.state = "connecting";
  render();

  ws.addEventListener("open", () => {
    if (gen !== generation) return;
    send({ type: "join", session_id: diag.sessionId, token, lang: currentLang() });
    conn.pingTimer = setInterval(() => send({ type: "ping" }), PING_INTERVAL_MS);
  });
  ws.addEventListener("message", (event) => {
    if (gen !== generation) return;
    clearTimeout(conn.joinTimer);
    let message;
    try {
      message = JSON.parse(event.data);
    } catch {
      return;
    }
    handleMessage(message, gen);
  });
  ws.addEventListener("close", (event) => {
    if (gen !== generation || stopped) return;
    onSocketClosed(event.code);
  });
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
    scheduleRetry(WAITING_RETRY_MS, "waiting");
    return;
  }
  scheduleReconnect();
}

function handleMessage(message, gen) {
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
      if (diag.state === "waiting") diag.state = "connecting";
      render();
      startMedia(gen, message.ice_servers || []).catch((err) => {
        if (gen !== generation) return;
        console.error("bridge site: media setup failed", err);
        diag.lastError = "media_setup";
        diag.lastErrorMessage = String(err);
        scheduleReconnect();
      });
      break;
    case "roster":
      diag.roster = Array.isArray(message.sites) ? message.sites : [];
      updateOwnMuted();
      render();
      break;
    case "site":
      if (message.site) {
        updateSite(message.site);
        render();
      }
      break;
    case "sites": // several sites at once (mute all, unmute all)
      if (Array.isArray(message.sites)) {
        for (const entry of message.sites) updateSite(entry);
        render();
      }
      break;
    case "floor":
      diag.floor = message.site_id ?? null;
      render();
      break;
    case "session":
      diag.session = message.session;
      if (message.session && message.session.state === "closed") finish("ended");
      else render();
      break;
    case "shown":
      diag.shown = message;
      render();
      break;
    case "video":
      diag.videoSend = message.send;
      applyVideoSend();
      break;
    case "answer":
      if (conn && conn.pc) {
        conn.pc
          .setRemoteDescription({ type: "answer", sdp: message.sdp })
          .then(() => {
            if (gen === generation) applyVideoSend();
          })
          .catch((err) => {
            if (gen !== generation) return;
            console.error("bridge site: answer rejected", err);
            diag.lastError = "invalid_sdp";
            scheduleReconnect();
          });
      }
      break;
    case "error":
      handleError(message);
      break;
    default:
      break; // pong and anything newer than this page
  }
}

function handleError(message) {
  diag.lastError = message.code || "unknown";
  diag.lastErrorMessage = message.message || null;
  const final = FINAL_ERRORS[message.code];
  if (final) {
    finish(final);
  } else if (message.code === "session_not_open") {
    conn.waiting = true;
    retryAt = null;
    setState("waiting");
  } else if (message.code === "invalid_sdp") {
    scheduleReconnect();
  } else {
    console.warn("bridge site: server error", message);
  }
}

/** One site entry changed: keep the roster and, if it is this hall, the own entry. */
function updateSite(entry) {
  const i = diag.roster.findIndex((s) => s.id === entry.id);
  if (i >= 0) diag.roster[i] = entry;
  else if (diag.roster.length > 0) diag.roster.push(entry);
  if (diag.site && entry.id === diag.site.id) {
    diag.site = entry;
    diag.muted = Boolean(entry.muted);
  }
}

function updateOwnMuted() {
  if (!diag.site) return;
  const own = diag.roster.find((s) => s.id === diag.site.id);
  if (own) diag.site = own;
  diag.muted = Boolean(diag.site.muted);
}

// ---- media ---------------------------------------------------------------------------------

function toIceServers(list) {
  return list
    .filter((s) => s && s.urls)
    .map((s) => {
      const server = { urls: s.urls };
      if (s.username != null) server.username = s.username;
      if (s.credential != null) server.credential = s.credential;
      return server;
    });
}

async function microphoneTrack() {
  const live = micStream && micStream.getAudioTracks().find((tr) => tr.readyState === "live");
  if (live) return live;
  if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
    diag.micAvailable = false;
    diag.micError = "insecure_context";
    return null;
  }
  const processing = !RAW;
  try {
    micStream = await navigator.mediaDevices.getUserMedia({
      audio: {
        echoCancellation: processing,
        noiseSuppression: processing,
        autoGainControl: processing,
      },
      video: false,
    });
    const track = micStream.getAudioTracks()[0] || null;
    diag.micAvailable = Boolean(track);
    diag.micError = null;
    return track;
  } catch (err) {
    console.warn("bridge site: no microphone", err);
    micStream = null;
    diag.micAvailable = false;
    diag.micError = err && err.name ? err.name : String(err);
    return null;
  }
}

async function cameraTrack() {
  const live =
    cameraStream && cameraStream.getVideoTracks().find((tr) => tr.readyState === "live");
  if (live) return live;
  if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
    diag.cameraAvailable = false;
    return null;
  }
  try {
    cameraStream = await navigator.mediaDevices.getUserMedia({
      audio: false,
      video: { width: { ideal: 640 }, height: { ideal: 360 }, frameRate: { ideal: 30 } },
    });
    const track = cameraStream.getVideoTracks()[0] || null;
    diag.cameraAvailable = Boolean(track);
    return track;
  } catch (err) {
    console.warn("bridge site: no camera", err);
    cameraStream = null;
    diag.cameraAvailable = false;
    return null;
  }
}

// The bridge says whether anyone sees this hall; a paused sender sends nothing at all.
function applyVideoSend() {
  const sender = conn && conn.videoSender;
  if (!sender) return;
  const camera = cameraStream && cameraStream.getVideoTracks()[0];
  const wanted = diag.videoSend === "off" || !camera ? null : camera;
  if (sender.track !== wanted) {
    sender.replaceTrack(wanted).catch((err) => console.warn("bridge site: camera switch", err));
  }
  // "preview": only operator consoles see this hall, as a thumbnail: a quarter of the
  // size at 5 frames a second. Possible once negotiated (encodings exist).
  const params = sender.getParameters();
  if (wanted && params.encodings && params.encodings.length) {
    const preview = diag.videoSend === "preview";
    params.encodings[0].scaleResolutionDownBy = preview ? 4 : 1;
    params.encodings[0].maxFramerate = preview ? 5 : 30;
    params.encodings[0].maxBitrate = preview ? 100_000 : 800_000;
    sender.setParameters(params).catch((err) => console.warn("bridge site: camera rate", err));
  }
}

function playVideo(track) {
  dom.video.srcObject = new MediaStream([track]);
  const mark = (playing) => {
    diag.videoPlaying = playing;
    renderShown();
  };
  dom.video.onplaying = () => mark(true);
  dom.video.onemptied = () => mark(false);
  track.onended = () => mark(false);
  const played = dom.video.play();
  if (played && played.catch) played.catch(() => {}); // a muted video may always autoplay
}

async function startMedia(gen, iceServers) {
  const pc = new RTCPeerConnection({
    iceServers: toIceServers(iceServers),
    bundlePolicy: "max-bundle",
    rtcpMuxPolicy: "require",
  });
  conn.pc = pc;
  diag.pc = pc;

  pc.addEventListener("track", (event) => {
    if (gen !== generation) return;
    if (event.track.kind === "video") {
      playVideo(event.track);
      return;
    }
    const stream = event.streams[0] || new MediaStream([event.track]);
    playRemote(stream);
  });
  pc.addEventListener("icecandidate", (event) => {
    if (gen !== generation || !conn.offerSent) return; // earlier ones are in the offer's SDP
    const c = event.candidate;
    if (c && c.candidate) {
      send({
        type: "candidate",
        candidate: c.candidate,
        sdpMid: c.sdpMid ?? null,
        sdpMLineIndex: c.sdpMLineIndex ?? null,
      });
    } else if (!c && !conn.endOfCandidatesSent) {
      conn.endOfCandidatesSent = true;
      send({ type: "candidate", candidate: "", sdpMid: null, sdpMLineIndex: null });
    }
  });
  pc.addEventListener("connectionstatechange", () => {
    if (gen !== generation) return;
    onPeerState(pc.connectionState);
  });

  const track = await microphoneTrack();
  if (gen !== generation) return;
  render();
  if (track) pc.addTrack(track, micStream);
  else pc.addTransceiver("audio", { direction: "sendrecv" }); // listen even without a mic
  await cameraTrack();
  if (gen !== generation) return;
  conn.videoSender = pc.addTransceiver("video", { direction: "sendrecv" }).sender;
  applyVideoSend();

  await pc.setLocalDescription(await pc.createOffer());
  await gatheringComplete(pc, GATHERING_MAX_MS);
  if (gen !== generation) return;
  const complete = pc.iceGatheringState === "complete";
  send({ type: "offer", sdp: pc.localDescription.sdp });
  conn.offerSent = true;
  conn.endOfCandidatesSent = complete;
  conn.watchdog = setTimeout(() => {
    if (gen === generation && pc.connectionState !== "connected") {
      diag.lastError = "media_timeout";
      scheduleReconnect();
    }
  }, MEDIA_WATCHDOG_MS);
}

function gatheringComplete(pc, maxMs) {
  if (pc.iceGatheringState === "complete") return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      pc.removeEventListener("icegatheringstatechange", check);
      resolve();
    };
    const check = () => {
      if (pc.iceGatheringState === "complete") done();
    };
    const timer = setTimeout(done, maxMs);
    pc.addEventListener("icegatheringstatechange", check);
  });
}

function onPeerState(state) {
  if (state === "connected") {
    clearTimeout(conn.disconnectTimer);
    conn.disconnectTimer = null;
    clearTimeout(conn.watchdog);
    backoffS = BACKOFF_FIRST_S;
    setState("connected");
  } else if (state === "failed") {
    diag.lastError = "media_failed";
    scheduleReconnect();
  } else if (state === "disconnected") {
    if (!conn.disconnectTimer) {
      const gen = conn.gen;
      conn.disconnectTimer = setTimeout(() => {
        if (gen !== generation) return;
        if (conn.pc && conn.pc.connectionState !== "connected") {
          diag.lastError = "media_disconnected";
          scheduleReconnect();
        }
      }, DISCONNECTED_GRACE_MS);
    }
  }
}

function playRemote(stream) {
  dom.audio.srcObject = stream;
  const played = dom.audio.play();
  if (played && played.catch) {
    played
      .then(() => {
        dom.unlock.hidden = true;
        startMeter(stream);
      })
      .catch(() => {
        // Autoplay refused (no kiosk flag, no click yet): one big button unlocks sound.
        dom.unlock.hidden = false;
        startMeter(stream);
      });
  } else {
    startMeter(stream);
  }
}

function startMeter(stream) {
  stopMeter();
  try {
    audioCtx = audioCtx || new AudioContext();
  } catch (err) {
    console.warn("bridge site: no WebAudio", err);
    return;
  }
  if (audioCtx.state === "suspended") audioCtx.resume().catch(() => {});
  // Chromium feeds a remote WebRTC stream to WebAudio only while a media element plays it:
  // the <audio> element above does; the analyser is not connected to the speakers.
  const source = audioCtx.createMediaStreamSource(stream);
  const analyser = audioCtx.createAnalyser();
  analyser.fftSize = 1024;
  source.connect(analyser);
  meter = { source, analyser, samples: new Float32Array(analyser.fftSize) };
}

function stopMeter() {
  if (meter) {
    try {
      meter.source.disconnect();
    } catch {
      /* already disconnected */
    }
  }
  meter = null;
}

function meterTick() {
  let db = -Infinity;
  if (meter) {
    meter.analyser.getFloatTimeDomainData(meter.samples);
    let sum = 0;
    for (const x of meter.samples) sum += x * x;
    const rms = Math.sqrt(sum / meter.samples.length);
    db = rms > 0 ? 20 * Math.log10(rms) : -Infinity;
  }
  const target = Number.isFinite(db) ? Math.min(1, Math.max(0, (db + 60) / 60)) : 0;
  // Fast attack, slow release: the bar is for eyes across a hall, not for measurement.
  diag.level = target >= diag.level ? target : Math.max(target, diag.level * 0.8);
  diag.levelDb = db;
  const now = Date.now();
  if (db > ACTIVE_DB) lastActiveAt = now;
  diag.audioActive = now - lastActiveAt < ACTIVE_HOLD_MS;
  renderAudio();
}

// ---- retry, teardown, stop -----------------------------------------------------------------

function teardown() {
  const old = conn;
  conn = null;
  diag.pc = null;
  diag.ws = null;
  if (!old) return;
  clearInterval(old.pingTimer);
  clearTimeout(old.disconnectTimer);
  clearTimeout(old.watchdog);
  clearTimeout(old.joinTimer);
  if (old.ws.readyState === WebSocket.CONNECTING || old.ws.readyState === WebSocket.OPEN) {
    old.ws.close(1000);
  }
  if (old.pc) old.pc.close();
  stopMeter();
  dom.audio.srcObject = null;
  dom.video.srcObject = null;
  diag.videoPlaying = false;
  diag.audioActive = false;
  diag.level = 0;
}

function clearRetry() {
  clearTimeout(retryTimer);
  clearInterval(countdownTimer);
  retryTimer = null;
  countdownTimer = null;
  retryAt = null;
  diag.retryAt = null;
}

function scheduleRetry(delayMs, state) {
  if (stopped) return;
  generation += 1; // callbacks of the torn-down attempt must not schedule a second retry
  teardown();
  clearRetry();
  retryAt = Date.now() + delayMs;
  diag.retryAt = retryAt;
  retryTimer = setTimeout(connect, delayMs);
  countdownTimer = setInterval(render, 1000);
  setState(state);
}

function scheduleReconnect() {
  const delay = backoffS;
  backoffS = Math.min(backoffS * 2, BACKOFF_MAX_S);
  scheduleRetry(delay * 1000, "reconnecting");
}

// The PC says its network is back (a cable replugged, Wi-Fi rejoined): retry now instead of
// waiting out the backoff, which may have grown to its maximum during a long outage.
function retryNowIfWaiting() {
  if (stopped || retryTimer === null) return;
  clearRetry();
  connect();
}

function finish(state) {
  stopped = true;
  generation += 1;
  clearRetry();
  teardown();
  if (micStream) {
    for (const track of micStream.getTracks()) track.stop();
    micStream = null;
  }
  setState(state);
}

// ---- start ---------------------------------------------------------------------------------

async function main() {
  bindLangButtons();
  try {
    await setLang(detectLang());
  } catch (err) {
    console.error("bridge site: no catalogue", err); // the HTML's Vietnamese text remains
  }
  onLangChange(() => render());
  applyTranslations(document);
  window.addEventListener("online", retryNowIfWaiting);

  dom.hand.addEventListener("click", () => {
    if (!diag.site || dom.hand.disabled) return;
    send({ type: "hand", raised: !diag.site.hand_raised });
  });
  dom.unlock.addEventListener("click", () => {
    dom.audio.play().then(() => {
      dom.unlock.hidden = true;
    });
    if (audioCtx) audioCtx.resume().catch(() => {});
  });
  window.addEventListener("pagehide", () => {
    if (!stopped) send({ type: "leave" });
  });
  setInterval(meterTick, METER_INTERVAL_MS);

  if (!("WebSocket" in window) || !("RTCPeerConnection" in window)) {
    diag.lastError = "unsupported_browser";
    finish("unsupported");
    return;
  }
  const link = readLink();
  diag.sessionId = link.sessionId;
  token = link.token;
  if (!link.sessionId || !link.token) {
    diag.lastError = link.sessionId ? "no_token" : "bad_link";
    finish("invalid_link");
    return;
  }
  connect();
}

main();
