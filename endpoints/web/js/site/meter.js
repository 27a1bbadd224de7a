/*
 * meter.js — the incoming sound level: a WebAudio AnalyserNode on the remote stream drives
 * a small meter, and "sound is arriving" while it is above -50 dBFS (held 1.5 s).
 */

import { renderAudio } from "./render.js";
import { diag } from "./state.js";

export const METER_INTERVAL_MS = 100;
const ACTIVE_DB = -50; // incoming audio above this counts as "sound is arriving"
const ACTIVE_HOLD_MS = 1_500;

let audioCtx = null;
let meter = null;
let lastActiveAt = 0;

export function startMeter(stream) {
  stopMeter();
  try {
    audioCtx = audioCtx || new AudioContext();
  } catch (err) {
    console.warn("bridge site: no WebAudio", err);
    return;
  }
  if (audioCtx.state === "suspended") audioCtx.resume().catch(() => {});
  // Chromium feeds a remote WebRTC stream to WebAudio only while a media element plays it:
  // the <audio> element does; the analyser is not connected to the speakers.
  const source = audioCtx.createMediaStreamSource(stream);
  const analyser = audioCtx.createAnalyser();
  analyser.fftSize = 1024;
  source.connect(analyser);
  meter = { source, analyser, samples: new Float32Array(analyser.fftSize) };
}

export function stopMeter() {
  if (meter) {
    try {
      meter.source.disconnect();
    } catch {
      /* already disconnected */
    }
  }
  meter = null;
}

/** A click unlocked sound: WebAudio may start too. */
export function resumeAudio() {
  if (audioCtx) audioCtx.resume().catch(() => {});
}

export function meterTick() {
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
