/*
 * connection-test.js — the hall's side of a connection test (docs/protocol.md, "Connection
 * test"; docs/connection-tests.md, "The hall page's test"). Every `test_*` message the
 * bridge sends is handled here (`handleTestMessage`), so a test can drive the page through
 * `bridgeSite.feed` alone:
 *
 *   test_begin    note the test, snapshot what the hall has received so far (getStats), show
 *                 "Đang kiểm tra kết nối… (n giây)" with a progress bar
 *   test_ping     `test_pong` at once, same n and t (before anything else is done)
 *   test_probe    up: 1000-byte packets on the `probe` data channel, paced (probe.js);
 *                 down: count the bridge's packets per step, and sample the RTP bytes
 *                 received at each step's edges (what the media itself carried meanwhile)
 *   test_collect  `test_report` now (test-report.js builds its parts; also
 *                 `playout_delay_ms`, the jitter buffer's mean delay, which the bridge
 *                 takes from the chirp's round trip)
 *   test_result   the verdict, on the hall's screen until dismissed or the session opens
 *   test_cancelled  the progress goes, a short note says the test stopped
 *
 * The hall asks for a test (`test_start`) by itself once after joining a session that is
 * testing (`joined.testing`), as soon as its media and the probe channel are up, and from
 * the "Kiểm tra kết nối" button. "Once": until a result has been shown — a test cut short
 * by a reconnection is asked for again on the next join.
 *
 * Test surface: `bridgeSite.connectionTest` (state.js) — phase ("idle" | "starting" |
 * "running" | "result" | "cancelled"), testId, startedAt, result (the last `test_result`),
 * report (the last `test_report` sent), note (null | "cancelled" | "busy" | "too_soon"),
 * pongs, upSent, upSkipped, downReceived, autoStarts, starts.
 */

import { conn, send, socket } from "./connection.js";
import { localCamera, localMicrophone } from "./media.js";
import { decodePacket, DOWN, encodePacket, Pacer, StepCounter, TICK_MS, UP } from "./probe.js";
import {
  audioSnapshot,
  cameraReport,
  echoCancellation,
  iceReport,
  mediaBytes,
  mediaDownKbps,
  playoutDelayMs,
  receivedDelta,
  syntheticMicrophone,
  turnOk,
} from "./test-report.js";
import { renderTest } from "./test-panel.js";
import { diag } from "./state.js";

const PROGRESS_RENDER_MS = 250;
const AUTO_POLL_MS = 250;
// Connected but the probe channel not open after this long (a bridge without it): ask anyway.
const AUTO_CHANNEL_WAIT_MS = 5_000;
// A `test_start` unanswered this long: the button comes back.
const START_PENDING_MS = 5_000;
const NOTE_MS = 10_000;
// The bridge starts its downlink probe this long after telling (bridge/live/connection_test.py).
const DOWN_START_MS = 100;

const ct = diag.connectionTest;
let current = null; // the running test: {id, gen, before, counter, downSteps, samples, timers}
let progressTimer = null;
let noteTimer = null;
let startTimer = null;
let autoWanted = false;
let autoTimer = null;
let startSeq = 0;
let sessionState = null;

// ---- the bridge's messages -------------------------------------------------------------

/** A `test_*` message: handled (true), or not one of these (false). */
export function handleTestMessage(message, gen) {
  switch (message.type) {
    case "test_ping":
      send({ type: "test_pong", n: message.n, t: message.t });
      ct.pongs += 1;
      return true;
    case "test_begin":
      begin(message, gen);
      return true;
    case "test_probe":
      if (message.direction === "up") probeUp(message, gen);
      else if (message.direction === "down") probeDown(message, gen);
      return true;
    case "test_collect":
      collect(message, gen).catch((err) => console.warn("bridge site: test report", err));
      return true;
    case "test_result":
      showResult(message);
      return true;
    case "test_cancelled":
      cancelled(message);
      return true;
    default:
      return false;
  }
}

/** `joined` on a new connection: a test the old one ran is gone; `testing` asks for one. */
export function testJoined(gen, message) {
  stopCurrent();
  if (ct.phase === "running" || ct.phase === "starting") ct.phase = "idle";
  sessionState = message.session ? message.session.state : null;
  if (message.testing === true && !ct.result) autoWanted = true;
  if (autoWanted) autoStartWhenReady(gen);
  renderTest();
}

/** A `session` event: the session going live takes the result off the screen. */
export function testSession(session) {
  const before = sessionState;
  sessionState = session ? session.state : null;
  if (sessionState === "open" && before !== "open" && ct.phase === "result") dismiss();
}

/** An `error`: true when it answers this hall's `test_start`. */
export function testRefused(message) {
  const ours = typeof message.ref_id === "string" && message.ref_id.startsWith("test_start-");
  if (!ours && message.code !== "test_running") return false;
  clearTimeout(startTimer);
  if (ct.phase === "starting") ct.phase = "idle";
  if (message.code === "test_running") showNote("busy");
  else if (message.code === "too_many_requests") showNote("too_soon");
  else console.warn("bridge site: test refused", message);
  renderTest();
  return true;
}

/** A packet on the probe channel (media.js). */
export function onProbePacket(data) {
  const packet = decodePacket(data);
  if (!packet || packet.direction !== DOWN || !current) return;
  current.counter.add(packet.step, packet.seq, packet.bytes, performance.now());
  ct.downReceived += 1;
}

// ---- asking for a test -----------------------------------------------------------------

/** Send `test_start` (the button, or by itself on joining). */
export function requestTest(auto = false) {
  if (diag.state !== "connected" || ct.phase === "running" || ct.phase === "starting") return;
  startSeq += 1;
  if (!send({ type: "test_start", id: `test_start-${startSeq}` })) return;
  ct.starts += 1;
  if (auto) ct.autoStarts += 1;
  ct.phase = "starting";
  clearTimeout(startTimer);
  startTimer = setTimeout(() => {
    if (ct.phase === "starting") ct.phase = "idle";
    renderTest();
  }, START_PENDING_MS);
  renderTest();
}

function autoStartWhenReady(gen) {
  clearInterval(autoTimer);
  let connectedSince = null;
  autoTimer = setInterval(() => {
    if (!socket.isCurrent(gen) || !autoWanted || ct.result) {
      clearInterval(autoTimer);
      return;
    }
    if (diag.state !== "connected" || !conn) {
      connectedSince = null;
      return;
    }
    connectedSince ??= Date.now();
    const open = conn.probe && conn.probe.readyState === "open";
    if (!open && Date.now() - connectedSince < AUTO_CHANNEL_WAIT_MS) return;
    clearInterval(autoTimer);
    autoWanted = false;
    // Asked for once on this connection; if it drops before a result, the next join (in
    // the test window still) asks again.
    requestTest(true);
  }, AUTO_POLL_MS);
}

export function dismiss() {
  if (ct.phase === "result") ct.phase = "idle";
  renderTest();
}

// ---- one test --------------------------------------------------------------------------

function fresh(id, gen) {
  return {
    id,
    gen,
    before: snapshot(),
    counter: new StepCounter(),
    downSteps: 0,
    samples: [],
    timers: [],
    intervals: [],
  };
}

/** The running test `id`, made on the spot when its begin was missed. */
function ensure(id, gen) {
  if (!current || current.id !== id) {
    stopCurrent();
    current = fresh(id, gen);
  }
  return current;
}

function stopCurrent() {
  if (!current) return;
  for (const timer of current.timers) clearTimeout(timer);
  for (const timer of current.intervals) clearInterval(timer);
  current = null;
  clearInterval(progressTimer);
}

function begin(message, gen) {
  stopCurrent();
  current = fresh(message.test_id, gen);
  clearTimeout(startTimer);
  clearTimeout(noteTimer);
  Object.assign(ct, {
    phase: "running",
    testId: message.test_id,
    startedAt: Date.now(),
    mediaMs: Number(message.media_ms) || null,
    note: null,
    upSent: 0,
    upSkipped: 0,
    downReceived: 0,
  });
  clearInterval(progressTimer);
  progressTimer = setInterval(renderTest, PROGRESS_RENDER_MS);
  renderTest();
}

async function stats() {
  const pc = conn && conn.pc;
  if (!pc) return [];
  try {
    return [...(await pc.getStats()).values()];
  } catch {
    return []; // closed meanwhile
  }
}

async function snapshot() {
  return audioSnapshot(await stats());
}

function probeUp(message, gen) {
  const test = ensure(message.test_id, gen);
  const channel = conn && conn.probe;
  const steps = Array.isArray(message.steps_kbps) ? message.steps_kbps : [];
  if (!channel || channel.readyState !== "open" || !steps.length) {
    console.warn("bridge site: no probe channel for the uplink probe");
    return;
  }
  const pacer = new Pacer(steps, Number(message.step_ms) || 1000, performance.now());
  let failed = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    if (!socket.isCurrent(gen) || channel.readyState !== "open" || pacer.done(now)) {
      clearInterval(timer);
      return;
    }
    for (const p of pacer.tick(now, channel.bufferedAmount)) {
      try {
        channel.send(encodePacket(UP, p.step, p.seq));
        ct.upSent += 1;
      } catch {
        failed += 1; // closing, or its queue full after all: never retried
      }
    }
    ct.upSkipped = failed + pacer.skipped.reduce((a, b) => a + b, 0);
  }, TICK_MS);
  test.intervals.push(timer);
}

function probeDown(message, gen) {
  const test = ensure(message.test_id, gen);
  const steps = Array.isArray(message.steps_kbps) ? message.steps_kbps.length : 0;
  const stepMs = Number(message.step_ms) || 1000;
  test.downSteps = steps;
  test.samples = [];
  const start = performance.now() + DOWN_START_MS;
  // A sample at each step's edges, on the clock the steps started at (not drifting).
  const sample = async () => {
    const at = performance.now();
    const bytes = mediaBytes(await stats());
    if (current === test) test.samples.push({ at, bytes });
  };
  for (let i = 0; i <= steps; i += 1) {
    const delay = Math.max(0, start + i * stepMs - performance.now());
    test.timers.push(setTimeout(sample, delay));
  }
}

async function collect(message, gen) {
  const test = ensure(message.test_id, gen);
  for (const timer of test.timers) clearTimeout(timer);
  for (const timer of test.intervals) clearInterval(timer);
  test.timers = [];
  test.intervals = [];
  const now = await stats();
  const before = await test.before;
  if (!socket.isCurrent(gen)) return;
  // A down probe cut short: its last, partial step ends now.
  const samples = [...test.samples];
  if (test.downSteps && samples.length && samples.length <= test.downSteps) {
    samples.push({ at: performance.now(), bytes: mediaBytes(now) });
  }
  const camera = localCamera();
  const microphone = localMicrophone();
  const sender = conn && conn.videoSender;
  const sendingFull = Boolean(sender && camera && sender.track === camera) && diag.videoSend === "full";
  const report = {
    type: "test_report",
    test_id: test.id,
    ice: iceReport(now),
    turn_ok: turnOk(conn ? conn.iceServers : [], conn ? conn.gathered : []),
    received: receivedDelta(before, audioSnapshot(now)),
    probe_down: test.counter.summary(test.downSteps),
    media_down_kbps: samples.length > 1 ? mediaDownKbps(samples).slice(0, 16) : null,
    camera: camera ? cameraReport(camera.getSettings(), now, sendingFull) : null,
    echo_cancellation: microphone ? echoCancellation(microphone.getSettings()) : null,
    synthetic_microphone: Boolean(microphone && syntheticMicrophone(microphone.label)),
    playout_delay_ms: playoutDelayMs(before, audioSnapshot(now)),
  };
  send(report);
  ct.report = report;
}

function showResult(message) {
  stopCurrent();
  clearTimeout(startTimer);
  ct.result = message;
  ct.testId = message.test_id ?? ct.testId;
  ct.phase = "result";
  autoWanted = false;
  renderTest();
}

function cancelled(message) {
  if (current && message.test_id && current.id !== message.test_id) return;
  stopCurrent();
  ct.phase = "idle";
  ct.cancelledReason = message.reason ?? null;
  showNote("cancelled");
  renderTest();
}

function showNote(kind) {
  ct.note = kind;
  clearTimeout(noteTimer);
  noteTimer = setTimeout(() => {
    ct.note = null;
    renderTest();
  }, NOTE_MS);
}
