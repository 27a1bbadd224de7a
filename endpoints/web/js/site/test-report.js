/*
 * test-report.js — the connection test's `test_report` made from what the browser says
 * (docs/protocol.md, "Connection test"), and the hall's view of a `test_result`; pure, on
 * plain objects (a getStats() report is given as an array of its entries):
 * tests/web/js/site-test-report.test.mjs.
 */

const LOCAL_TYPES = ["host", "srflx", "prflx", "relay"];
const PROTOCOLS = ["udp", "tcp"];
const RELAY_PROTOCOLS = ["udp", "tcp", "tls"];
// Chromium's fake capture devices ("Fake Default Audio Input", "Fake Audio Input 1") and
// what test sources call themselves. Not "virtual": a virtual cable (VB-Audio, VoiceMeeter)
// usually carries a real mixer's microphones.
const SYNTHETIC_LABEL = /\b(?:fake|synthetic|dummy)\b|\btest ?tone\b|\bfrom (?:a )?file\b|\.wav\b/i;

/** The first entry of `type` (and `kind`, when given), or null. */
export function entry(stats, type, kind = null) {
  return stats.find((s) => s.type === type && (kind === null || s.kind === kind)) || null;
}

/** What the hall receives of the bridge's audio now: counters to take deltas of. */
export function audioSnapshot(stats) {
  const a = entry(stats, "inbound-rtp", "audio");
  if (!a) return null;
  return {
    packets: a.packetsReceived || 0,
    lost: a.packetsLost || 0,
    jitter: Number.isFinite(a.jitter) ? a.jitter : null, // seconds
    bufferDelay: a.jitterBufferDelay || 0, // seconds, summed over the samples emitted
    emitted: a.jitterBufferEmittedCount || 0,
  };
}

/** Bytes of RTP received (payload and headers), audio and video together. */
export function mediaBytes(stats) {
  return stats
    .filter((s) => s.type === "inbound-rtp" && (s.kind === "audio" || s.kind === "video"))
    .reduce((sum, s) => sum + (s.bytesReceived || 0) + (s.headerBytesReceived || 0), 0);
}

/** The jitter buffer's mean delay between two snapshots (ms), or null: the hall's playout
 * share of the chirp's round trip. */
export function playoutDelayMs(before, after) {
  if (!before || !after) return null;
  const emitted = after.emitted - before.emitted;
  if (!(emitted > 0)) return null;
  const ms = ((after.bufferDelay - before.bufferDelay) / emitted) * 1000;
  return Number.isFinite(ms) && ms >= 0 ? Math.round(ms * 10) / 10 : null;
}

/**
 * `received`: what arrived between `before` (test_begin) and `after` (test_collect); the
 * jitter is the receiver's estimate at the end (it is a running estimate, not a counter).
 */
export function receivedDelta(before, after) {
  if (!after) return null;
  const base = before || { packets: 0, lost: 0 };
  return {
    packets: Math.max(0, after.packets - base.packets),
    // packetsLost may fall (a late packet counted after all): never below nothing.
    lost: Math.max(0, after.lost - base.lost),
    jitter_ms: after.jitter === null ? null : Math.round(after.jitter * 1e4) / 10,
  };
}

/** The selected candidate pair's local candidate: {local, protocol, relay_protocol}, or null. */
export function iceReport(stats) {
  const byId = new Map(stats.map((s) => [s.id, s]));
  const transport = stats.find((s) => s.type === "transport" && s.selectedCandidatePairId);
  let pair = transport ? byId.get(transport.selectedCandidatePairId) : null;
  // Without a transport entry (other browsers): the pair marked selected, else nominated.
  if (!pair) pair = stats.find((s) => s.type === "candidate-pair" && s.selected);
  if (!pair) {
    pair = stats.find(
      (s) => s.type === "candidate-pair" && s.nominated && s.state === "succeeded",
    );
  }
  const local = pair ? byId.get(pair.localCandidateId) : null;
  if (!local) return null;
  const type = local.candidateType;
  const protocol = String(local.protocol || "").toLowerCase();
  if (!LOCAL_TYPES.includes(type) || !PROTOCOLS.includes(protocol)) return null;
  const relay = String(local.relayProtocol || "").toLowerCase();
  return {
    local: type,
    protocol,
    relay_protocol: type === "relay" && RELAY_PROTOCOLS.includes(relay) ? relay : null,
  };
}

/** Whether any ICE server given is a TURN server. */
export function turnConfigured(iceServers) {
  return (iceServers || []).some((s) =>
    [].concat(s && s.urls ? s.urls : []).some((u) => /^turns?:/i.test(String(u))),
  );
}

/** `turn_ok`: a relay candidate was gathered; null when no TURN server is configured. */
export function turnOk(iceServers, gatheredTypes) {
  if (!turnConfigured(iceServers)) return null;
  return [...gatheredTypes].includes("relay");
}

/** kb/s of media received in each interval between successive {at (ms), bytes} samples. */
export function mediaDownKbps(samples) {
  const out = [];
  for (let i = 1; i < samples.length; i += 1) {
    const span = samples[i].at - samples[i - 1].at;
    const bytes = samples[i].bytes - samples[i - 1].bytes;
    out.push(span > 0 ? Math.round(((Math.max(0, bytes) * 8) / span) * 10) / 10 : 0);
  }
  return out;
}

/**
 * `camera`: the size the track delivers (getSettings) and the frames per second actually
 * sent (outbound-rtp) while the camera is sent in full; else (a preview is sent slower on
 * purpose, or nothing) the frames captured (media-source), else the track's configured rate.
 */
export function cameraReport(settings, stats, sendingFull = true) {
  if (!settings || !Number.isFinite(settings.width) || !Number.isFinite(settings.height)) {
    return null;
  }
  const out = sendingFull ? entry(stats, "outbound-rtp", "video") : null;
  const source = entry(stats, "media-source", "video");
  const rates = [out && out.framesPerSecond, source && source.framesPerSecond, settings.frameRate];
  const fps = rates.find((x) => Number.isFinite(x));
  return {
    width: Math.round(settings.width),
    height: Math.round(settings.height),
    fps: Number.isFinite(fps) ? Math.round(fps * 10) / 10 : 0,
  };
}

/** The microphone's echo cancellation (getSettings: a boolean, or "all"/"remote-only"). */
export function echoCancellation(settings) {
  if (!settings || settings.echoCancellation === undefined) return null;
  const value = settings.echoCancellation;
  if (typeof value === "boolean") return value;
  if (value === "all" || value === "remote-only") return true;
  if (value === "none") return false;
  return null;
}

/** Whether the microphone is a fake or synthetic capture device (by its label). */
export function syntheticMicrophone(label) {
  return Boolean(label) && SYNTHETIC_LABEL.test(label);
}

// ---- the hall's view of a result ---------------------------------------------------------

export const STATES = ["ready", "warning", "not_ready"];

function capitalised(text, lang) {
  const s = String(text || "").trim();
  return s ? s.charAt(0).toLocaleUpperCase(lang) + s.slice(1) : "";
}

/**
 * What the result panel shows: {state, reasons: [{code, severity, text, advice}]} in `lang`
 * (the other language's text when one is missing); an unknown state reads as not ready.
 */
export function resultView(result, lang) {
  const state = STATES.includes(result && result.state) ? result.state : "not_ready";
  const other = lang === "en" ? "vi" : "en";
  const pick = (r, base) => r[lang === "en" ? `${base}en` : `${base}vi`] || r[`${base}${other}`];
  const reasons = (Array.isArray(result && result.reasons) ? result.reasons : [])
    .filter((r) => r && typeof r === "object")
    .map((r) => ({
      code: String(r.code || ""),
      severity: r.severity === "warning" ? "warning" : "not_ready",
      text: capitalised(pick(r, ""), lang),
      advice: capitalised(pick(r, "advice_"), lang),
    }))
    .filter((r) => r.text);
  return { state, reasons };
}

/** Whole seconds since the test began, and the bar's share (≤ 0.95 until the result). */
export function progress(elapsedMs, expectedMs) {
  const seconds = Math.max(0, Math.floor(elapsedMs / 1000));
  const share = Math.min(0.95, Math.max(0, elapsedMs / expectedMs));
  return { seconds, share };
}
