/*
 * health.js — `device_health` once a second while the hall is connected (docs/protocol.md):
 *
 *   microphone {level_db, peak_db, clipping, live}: an AnalyserNode on the hall's own
 *     microphone track (its own AudioContext: meter.js measures the incoming sound and is
 *     left alone), read every 40 ms — the newest 40 ms of samples, two 20 ms frames — so the
 *     second's RMS level and peak (dBFS, -120 for silence) and the share of 20 ms frames
 *     whose peak reaches 0.99 of full scale (`clipping`). `live`: the track is live and
 *     enabled. A suspended AudioContext (no autoplay, no click yet) measures nothing: the
 *     levels are null then.
 *   camera {fps, width, height, live}: frames actually captured, from the camera sender's
 *     getStats "media-source" entry (framesPerSecond, width, height — the frames the track
 *     delivered); while the sender carries no track (`video {send: "off"}`) the track's
 *     getSettings() (its configured rate, the last resort). `bridgeSite.deviceHealthSource`
 *     says which was used.
 *   speaker {device, playing}: the output's label (the audio element's sinkId, "" = the
 *     default device) and whether the bridge's sound is playing (not paused, not waiting for
 *     the "turn on the sound" click, data arriving).
 *
 * Every number is bounded as the message model bounds it.
 */

import { send } from "./connection.js";
import { dom } from "./elements.js";
import { localCamera, localMicrophone, videoSender } from "./media.js";
import { diag } from "./state.js";

const REPORT_MS = 1_000;
const SAMPLE_MS = 40;
const FRAME_S = 0.02;
const CLIP = 0.99;
const FLOOR_DB = -120;
const DEVICES_MAX_AGE_MS = 10_000;

let ctx = null;
let tap = null; // {track, source, analyser, buf}
let acc = fresh();
let devices = [];
let devicesAt = 0;
let reporting = false;

function fresh() {
  return { sum: 0, n: 0, peak: 0, frames: 0, clipped: 0 };
}

const clamp = (x, lo, hi) => Math.min(hi, Math.max(lo, x));
const db = (x) => (x > 0 ? clamp(Math.round(20 * Math.log10(x) * 10) / 10, FLOOR_DB, 20) : FLOOR_DB);

function dropTap() {
  if (tap) {
    try {
      tap.source.disconnect();
    } catch {
      /* already */
    }
  }
  tap = null;
}

function makeTap(track) {
  dropTap();
  try {
    ctx = ctx || new AudioContext();
  } catch {
    return;
  }
  if (ctx.state === "suspended") ctx.resume().catch(() => {});
  const source = ctx.createMediaStreamSource(new MediaStream([track]));
  const analyser = ctx.createAnalyser();
  analyser.fftSize = 2048; // ≥ 40 ms at 48 kHz
  source.connect(analyser); // not to the speakers: the hall must not hear itself
  tap = { track, source, analyser, buf: new Float32Array(analyser.fftSize) };
}

function sample() {
  const track = localMicrophone();
  if (!track) {
    dropTap();
    return;
  }
  if (!tap || tap.track !== track) makeTap(track);
  if (!tap || ctx.state !== "running") return;
  tap.analyser.getFloatTimeDomainData(tap.buf);
  const buf = tap.buf;
  const frame = Math.round(ctx.sampleRate * FRAME_S);
  const newest = Math.min(buf.length, Math.round((ctx.sampleRate * SAMPLE_MS) / 1000));
  for (let start = buf.length - newest; start + frame <= buf.length; start += frame) {
    let framePeak = 0;
    for (let i = start; i < start + frame; i += 1) {
      const x = buf[i];
      acc.sum += x * x;
      const a = Math.abs(x);
      if (a > framePeak) framePeak = a;
    }
    acc.n += frame;
    acc.frames += 1;
    if (framePeak >= CLIP) acc.clipped += 1;
    if (framePeak > acc.peak) acc.peak = framePeak;
  }
}

async function speakerLabel() {
  const now = Date.now();
  if (now - devicesAt > DEVICES_MAX_AGE_MS && navigator.mediaDevices) {
    devicesAt = now;
    devices = await navigator.mediaDevices.enumerateDevices().catch(() => []);
  }
  const sink = dom.audio.sinkId || "default";
  const outputs = devices.filter((d) => d.kind === "audiooutput");
  const d = outputs.find((x) => x.deviceId === sink) || (sink === "default" ? outputs[0] : null);
  return d && d.label ? d.label.slice(0, 200) : null;
}

async function cameraHealth() {
  const track = localCamera();
  if (!track) return { fps: null, width: null, height: null, live: false };
  const live = track.readyState === "live" && track.enabled;
  const sender = videoSender();
  let found = null;
  if (sender && sender.track === track) {
    try {
      (await sender.getStats()).forEach((s) => {
        if (s.type === "media-source" && s.kind === "video") found = s;
      });
    } catch {
      found = null;
    }
  }
  const settings = track.getSettings();
  diag.deviceHealthSource = found && found.framesPerSecond !== undefined ? "media-source" : "settings";
  const fps = found && found.framesPerSecond !== undefined ? found.framesPerSecond : settings.frameRate;
  const size = (x) => (Number.isFinite(x) ? clamp(Math.round(x), 0, 8192) : null);
  return {
    fps: Number.isFinite(fps) ? clamp(Math.round(fps * 10) / 10, 0, 240) : null,
    width: size(found && found.width ? found.width : settings.width),
    height: size(found && found.height ? found.height : settings.height),
    live,
  };
}

async function report() {
  const m = acc;
  acc = fresh();
  if (diag.state !== "connected" || reporting) return;
  reporting = true;
  try {
    const track = localMicrophone();
    const measured = tap && ctx && ctx.state === "running" && m.n > 0;
    const microphone = {
      level_db: measured ? db(Math.sqrt(m.sum / m.n)) : null,
      peak_db: measured ? db(m.peak) : null,
      clipping: measured && m.frames ? clamp(m.clipped / m.frames, 0, 1) : 0,
      live: Boolean(track && track.readyState === "live" && track.enabled),
    };
    const audio = dom.audio;
    const playing = Boolean(
      audio.srcObject && !audio.paused && !audio.ended && dom.unlock.hidden && audio.readyState >= 2,
    );
    const message = {
      type: "device_health",
      microphone,
      camera: await cameraHealth(),
      speaker: { device: await speakerLabel(), playing },
    };
    if (diag.state !== "connected") return;
    diag.deviceHealth = message;
    diag.deviceHealthSent += 1;
    send(message);
  } finally {
    reporting = false;
  }
}

/** Start measuring and reporting (main.js, once). */
export function startHealth() {
  setInterval(sample, SAMPLE_MS);
  setInterval(() => {
    report().catch((err) => console.warn("bridge site: device health", err));
  }, REPORT_MS);
  // A click or key anywhere lets a suspended AudioContext start (no autoplay flag).
  const resume = () => {
    if (ctx && ctx.state === "suspended") ctx.resume().catch(() => {});
  };
  document.addEventListener("click", resume);
  document.addEventListener("keydown", resume);
}
