/*
 * profile.js — the hall's hardware profile (docs/profiles.md), applied live: `profile
 * {revision, profile}` from the bridge → the devices chosen by label (devices.js), the
 * microphone's and camera's constraints, the speaker's output and volume, the screen's
 * layout, captions, clock and banner height — then `profile_applied` says what the page
 * asked the browser for (`applied`), what the browser says it does (`readback`: the tracks'
 * getSettings(), the sink, the page as drawn), the devices in use, every device it sees
 * (`inventory`), what is `missing` and what failed (`problems`). No rejoin.
 *
 * Ordering: a profile may come before media starts (then the first getUserMedia already asks
 * for it: microphoneConstraints / cameraConstraints) or after; the media part is applied
 * once media is up (media.js calls mediaUp on every join). Pushes are coalesced: while one
 * is being applied, only the latest waiting one is applied next (the latest push wins; a
 * lower revision after a bridge restart is still newer news).
 *
 * A constraint is asked for exactly first; if the browser refuses it (OverconstrainedError
 * names it) that field is a problem and it is asked for as `ideal`, so the hall keeps its
 * media. Chrome does not change an audio track's processing by applyConstraints: when the
 * settings read back differ, the microphone is reopened (stop, getUserMedia) and the new
 * track replaces the old on the sender. `?raw=1` (state.js) keeps the processing off, as the
 * tests' tones need; `applied` then says false.
 *
 * Test surface: `bridgeSite.profile` (the last profile received), `bridgeSite.profileApplied`
 * (the last answer sent), `bridgeSite.deviceWarnings` (missing devices, as shown).
 */

import { t } from "../common/i18n.js";
import { showClock } from "./clock.js";
import { send } from "./connection.js";
import { chooseDevices } from "./devices.js";
import { dom } from "./elements.js";
import { setLayout } from "./grid.js";
import {
  applyVideoSend,
  localCamera,
  localMicrophone,
  stopMicrophone,
  swapCamera,
  swapMicrophone,
} from "./media.js";
import { diag, RAW } from "./state.js";

const MAX_ROUNDS = 8; // coalesced pushes applied back to back before yielding
const MAX_INVENTORY = 64;
const MAX_CAPABILITIES = 24;
const MAX_LIST = 16;
const MAX_LABEL = 200;
const MAX_PROBLEMS = 16;
// A constraint the browser names → the profile's field.
const FIELD_OF = {
  audio: {
    deviceId: "microphone.labels",
    echoCancellation: "microphone.echo_cancellation",
    noiseSuppression: "microphone.noise_suppression",
    autoGainControl: "microphone.auto_gain_control",
    channelCount: "microphone.channel_count",
    sampleRate: "microphone.sample_rate",
  },
  video: {
    deviceId: "camera.labels",
    width: "camera.width",
    height: "camera.height",
    frameRate: "camera.frame_rate",
  },
};

let desired = null; // the latest {revision, profile}
let media = false; // media.js has set up tracks and senders at least once
let running = false;
let dirty = false;
let chosen = null; // the last device choice (chooseDevices), for the first getUserMedia
let lastLayout = null;

// ---- what media.js asks ---------------------------------------------------------------------

function micWanted(p) {
  const dsp = (on) => (RAW ? false : on);
  return {
    echoCancellation: dsp(p.microphone.echo_cancellation),
    noiseSuppression: dsp(p.microphone.noise_suppression),
    autoGainControl: dsp(p.microphone.auto_gain_control),
    channelCount: p.microphone.channel_count,
    sampleRate: p.microphone.sample_rate,
  };
}

function camWanted(p) {
  return { width: p.camera.width, height: p.camera.height, frameRate: p.camera.frame_rate };
}

function constraints(values, deviceId, how) {
  const out = {};
  for (const [name, value] of Object.entries(values)) out[name] = { [how]: value };
  if (deviceId) out.deviceId = { exact: deviceId };
  return out;
}

/** The first getUserMedia's audio constraints (null: no profile yet). Ideal values: the
 * hall must get a microphone; the profile's apply asks exactly afterwards. */
export function microphoneConstraints() {
  if (!desired) return null;
  const id = chosen && chosen.microphone.device ? chosen.microphone.device.deviceId : null;
  return constraints(micWanted(desired.profile), id, "ideal");
}

export function cameraConstraints() {
  if (!desired) return null;
  const id = chosen && chosen.camera.device ? chosen.camera.device.deviceId : null;
  return constraints(camWanted(desired.profile), id, "ideal");
}

/** The sender's preview and full rates from the camera's settings (media.js). */
export function previewSettings(settings) {
  if (!desired) return { scale: 4, previewFrameRate: 5, frameRate: 30 };
  const c = desired.profile.camera;
  const scale = Math.max(
    1,
    (settings.width || c.width) / c.preview_width,
    (settings.height || c.height) / c.preview_height,
  );
  return { scale, previewFrameRate: c.preview_frame_rate, frameRate: c.frame_rate };
}

// ---- entry points ------------------------------------------------------------------------

/** `profile {revision, profile}` from the bridge (messages.js). */
export function onProfile(message) {
  if (!message || typeof message.profile !== "object" || message.profile === null) return;
  desired = { revision: message.revision, profile: message.profile };
  diag.profile = desired;
  applyDisplay(desired.profile.display); // needs no media: at once
  kick();
}

/** Media is set up (media.js, on every join): apply what is waiting. */
export function mediaUp() {
  media = true;
  kick();
}

function kick() {
  dirty = true;
  if (running || !desired) return;
  if (!media) {
    // Before media: choose the devices now, so the first getUserMedia opens them.
    listDevices().then((devices) => {
      if (desired && !media) chosen = chooseDevices(desired.profile, devices);
    });
    return;
  }
  run();
}

async function run() {
  running = true;
  try {
    for (let round = 0; dirty && round < MAX_ROUNDS; round += 1) {
      dirty = false;
      const target = desired;
      const answer = await applyProfile(target);
      if (!dirty) {
        diag.profileApplied = answer;
        send(answer);
      }
    }
  } catch (err) {
    console.error("bridge site: profile not applied", err);
  } finally {
    running = false;
  }
  if (dirty) setTimeout(kick, 0); // more than MAX_ROUNDS pushes meanwhile
}

// ---- applying ----------------------------------------------------------------------------

async function listDevices() {
  if (!navigator.mediaDevices || !navigator.mediaDevices.enumerateDevices) return [];
  try {
    return await navigator.mediaDevices.enumerateDevices();
  } catch {
    return [];
  }
}

function problem(out, field, err) {
  if (out.problems.length >= MAX_PROBLEMS) return;
  const name = err && err.name ? err.name : "Error";
  const detail = err && (err.constraint || err.message) ? `: ${err.constraint || err.message}` : "";
  out.problems.push({ field, message: `${name}${detail}`.slice(0, 300) });
}

function overconstrained(err) {
  return err && (err.name === "OverconstrainedError" || err.name === "ConstraintNotSatisfiedError");
}

/** The field a refused constraint stands for (`kind` "audio" | "video"), else `otherwise`. */
function fieldOf(kind, err, otherwise) {
  return (overconstrained(err) && FIELD_OF[kind][err.constraint]) || otherwise;
}

async function applyProfile(target) {
  const p = target.profile;
  const out = { applied: {}, problems: [] };
  const devices = await listDevices();
  chosen = chooseDevices(p, devices);
  await applyMicrophone(p, chosen.microphone, out);
  await applyCamera(p, chosen.camera, out);
  await applySpeaker(p, chosen.speaker, devices, out);
  applyDisplay(p.display);
  for (const [name, value] of Object.entries(p.display)) out.applied[`display.${name}`] = value;
  await nextFrame(); // read the page back as drawn
  const missing = [chosen.microphone, chosen.speaker, chosen.camera]
    .filter((c) => c.missing)
    .map((c) => ({
      kind: { audioinput: "microphone", audiooutput: "speaker", videoinput: "camera" }[c.kind],
      patterns: c.missing.patterns.slice(0, 8).map((x) => String(x).slice(0, 120)),
      used: c.missing.fallback ? label(c.missing.fallback.label) : null,
    }));
  showWarnings(missing);
  return {
    type: "profile_applied",
    revision: target.revision,
    applied: out.applied,
    readback: readback(),
    devices: inUse(devices),
    inventory: inventory(devices),
    missing,
    problems: out.problems,
  };
}

const nextFrame = () => new Promise((resolve) => requestAnimationFrame(() => resolve()));

function settingsMatch(settings, wanted) {
  return Object.entries(wanted).every(
    ([name, value]) => settings[name] === undefined || settings[name] === value,
  );
}

async function openMicrophone(deviceId, wanted, out) {
  try {
    return await navigator.mediaDevices.getUserMedia({
      audio: constraints(wanted, deviceId, "exact"),
    });
  } catch (err) {
    problem(out, fieldOf("audio", err, "microphone.labels"), err);
  }
  try {
    return await navigator.mediaDevices.getUserMedia({ audio: constraints(wanted, null, "ideal") });
  } catch (err) {
    problem(out, "microphone.labels", err);
    return null;
  }
}

async function applyMicrophone(p, choice, out) {
  const wanted = micWanted(p);
  out.applied["microphone.echo_cancellation"] = wanted.echoCancellation;
  out.applied["microphone.noise_suppression"] = wanted.noiseSuppression;
  out.applied["microphone.auto_gain_control"] = wanted.autoGainControl;
  out.applied["microphone.channel_count"] = wanted.channelCount;
  out.applied["microphone.sample_rate"] = wanted.sampleRate;
  if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) return;
  const deviceId = choice.device ? choice.device.deviceId : null;
  const track = localMicrophone();
  if (!track && !choice.device) return; // the hall has no microphone: it listens
  const sameDevice = track && (!deviceId || track.getSettings().deviceId === deviceId);
  if (track && sameDevice) {
    try {
      await track.applyConstraints(constraints(wanted, deviceId, "exact"));
    } catch {
      /* Chrome: processing is fixed when the device opens; reopened below */
    }
    if (settingsMatch(track.getSettings(), wanted)) return;
  }
  // One processing setup per device: the old track goes before the device opens again.
  if (track) stopMicrophone();
  const stream = await openMicrophone(deviceId, wanted, out);
  await swapMicrophone(stream);
}

async function applyCamera(p, choice, out) {
  const wanted = camWanted(p);
  out.applied["camera.width"] = wanted.width;
  out.applied["camera.height"] = wanted.height;
  out.applied["camera.frame_rate"] = wanted.frameRate;
  out.applied["camera.preview_width"] = p.camera.preview_width;
  out.applied["camera.preview_height"] = p.camera.preview_height;
  out.applied["camera.preview_frame_rate"] = p.camera.preview_frame_rate;
  if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) return;
  const deviceId = choice.device ? choice.device.deviceId : null;
  const track = localCamera();
  if (track && (!deviceId || track.getSettings().deviceId === deviceId)) {
    try {
      await track.applyConstraints(constraints(wanted, null, "exact"));
    } catch (err) {
      problem(out, FIELD_OF.video[err && err.constraint] || "camera.width", err);
      await track.applyConstraints(constraints(wanted, null, "ideal")).catch(() => {});
    }
    applyVideoSend(); // the preview's scale follows the new size
    return;
  }
  if (!choice.device) return; // the hall has no camera
  let stream = null;
  try {
    stream = await navigator.mediaDevices.getUserMedia({
      video: constraints(wanted, deviceId, "exact"),
    });
  } catch (err) {
    problem(out, fieldOf("video", err, "camera.labels"), err);
    stream = await navigator.mediaDevices
      .getUserMedia({ video: constraints(wanted, deviceId, "ideal") })
      .catch((err2) => {
        problem(out, "camera.labels", err2);
        return null;
      });
  }
  if (stream || !track) await swapCamera(stream);
}

async function applySpeaker(p, choice, devices, out) {
  out.applied["speaker.volume"] = p.speaker.volume;
  dom.audio.volume = p.speaker.volume;
  if (!choice.device) return;
  if (typeof dom.audio.setSinkId !== "function") {
    if (p.speaker.labels.length) {
      problem(out, "speaker.labels", { name: "NotSupportedError", message: "setSinkId" });
    }
    return;
  }
  const id = choice.device.deviceId;
  if (dom.audio.sinkId === id || (id === "default" && dom.audio.sinkId === "")) return;
  try {
    await dom.audio.setSinkId(id);
  } catch (err) {
    problem(out, "speaker.labels", err);
  }
}

/** The screen's part: attributes and a CSS variable on <body> (site.css draws them). */
function applyDisplay(display) {
  const body = dom.body;
  body.dataset.profile = "true";
  body.dataset.layout = display.layout;
  body.dataset.gridSites = String(display.grid_sites);
  body.dataset.captions = String(Boolean(display.captions));
  body.dataset.clock = String(Boolean(display.clock));
  body.dataset.banners = display.banner_height >= 10 ? "large" : "small";
  body.style.setProperty("--banner-height", `${display.banner_height}vh`);
  showClock(Boolean(display.clock));
  const layout = `${display.layout}/${display.grid_sites}`;
  if (layout !== lastLayout) {
    lastLayout = layout;
    try {
      setLayout(display.layout, display.grid_sites);
    } catch (err) {
      console.error("bridge site: layout", err);
    }
  }
}

// ---- reading back --------------------------------------------------------------------------

function shown(el) {
  if (!el || el.hidden) return false;
  const style = getComputedStyle(el);
  const box = el.getBoundingClientRect();
  return style.display !== "none" && style.visibility !== "hidden" && box.height > 0;
}

/** What the browser says it now does, by field path. */
export function readback() {
  const out = {};
  const mic = localMicrophone();
  if (mic) {
    const s = mic.getSettings();
    const put = (path, value) => {
      if (value !== undefined) out[path] = value;
    };
    put("microphone.echo_cancellation", s.echoCancellation);
    put("microphone.noise_suppression", s.noiseSuppression);
    put("microphone.auto_gain_control", s.autoGainControl);
    put("microphone.channel_count", s.channelCount);
    put("microphone.sample_rate", s.sampleRate);
  }
  const cam = localCamera();
  if (cam) {
    const s = cam.getSettings();
    if (s.width !== undefined) out["camera.width"] = s.width;
    if (s.height !== undefined) out["camera.height"] = s.height;
    if (s.frameRate !== undefined) out["camera.frame_rate"] = Math.round(s.frameRate * 100) / 100;
  }
  out["speaker.volume"] = dom.audio.volume;
  const body = dom.body;
  out["display.layout"] = body.dataset.layout || null;
  out["display.grid_sites"] = body.dataset.gridSites ? Number(body.dataset.gridSites) : null;
  // The caption as drawn; while there is nobody to name it is hidden anyway, so the style
  // sheet's verdict (--captions) says whether it would be.
  out["display.captions"] = dom.shown.hidden
    ? getComputedStyle(dom.shown).getPropertyValue("--captions").trim() !== "off"
    : shown(dom.shown);
  out["display.clock"] = shown(dom.clock);
  out["display.banner_height"] = bannerPercent();
  return out;
}

/** The banners' height as drawn, % of the screen's height (a hidden one: its style's). */
function bannerPercent() {
  const el = [dom.muted, dom.floor].find((b) => shown(b)) || dom.muted;
  const px = shown(el) ? el.getBoundingClientRect().height : parseFloat(getComputedStyle(el).height);
  return Number.isFinite(px) && innerHeight > 0 ? Math.round((px / innerHeight) * 100) : null;
}

function label(text) {
  return String(text || "").slice(0, MAX_LABEL);
}

function inUse(devices) {
  const labelOf = (kind, id) => {
    const d = devices.find((x) => x.kind === kind && x.deviceId === id);
    return d ? label(d.label) : null;
  };
  const mic = localMicrophone();
  const cam = localCamera();
  const sink = dom.audio.sinkId === undefined ? null : dom.audio.sinkId || "default";
  return {
    microphone: mic ? label(mic.label) : null,
    camera: cam ? label(cam.label) : null,
    speaker: sink === null ? null : labelOf("audiooutput", sink) || labelOf("audiooutput", "default"),
  };
}

/** getCapabilities() flattened to what the message model takes: scalars, short lists, ranges. */
export function flattenCapabilities(caps) {
  const out = {};
  if (!caps || typeof caps !== "object") return out;
  for (const [name, value] of Object.entries(caps)) {
    if (Object.keys(out).length >= MAX_CAPABILITIES) break;
    if (name === "deviceId" || name === "groupId" || name.length > 64) continue; // ids rotate
    const scalar = (v) =>
      typeof v === "string" ? v.slice(0, MAX_LABEL) : ["boolean", "number"].includes(typeof v) ? v : null;
    if (Array.isArray(value)) {
      out[name] = value.slice(0, MAX_LIST).map(scalar);
    } else if (value && typeof value === "object") {
      const num = (v) => (typeof v === "number" && Number.isFinite(v) ? v : null);
      if ("min" in value || "max" in value) out[name] = { min: num(value.min), max: num(value.max) };
    } else if (scalar(value) !== null) {
      out[name] = scalar(value);
    }
  }
  return out;
}

function inventory(devices) {
  const mic = localMicrophone();
  const cam = localCamera();
  const micId = mic ? mic.getSettings().deviceId : null;
  const camId = cam ? cam.getSettings().deviceId : null;
  return devices.slice(0, MAX_INVENTORY).map((d) => {
    let caps = {};
    try {
      // The live track knows its device best; Chrome's InputDeviceInfo also answers.
      if (mic && d.kind === "audioinput" && d.deviceId === micId) caps = mic.getCapabilities();
      else if (cam && d.kind === "videoinput" && d.deviceId === camId) caps = cam.getCapabilities();
      else if (typeof d.getCapabilities === "function") caps = d.getCapabilities();
    } catch {
      caps = {};
    }
    return { kind: d.kind, label: label(d.label), capabilities: flattenCapabilities(caps) };
  });
}

// ---- the warning for a technician (the corner; not in kiosk mode) ---------------------------

let warnings = [];

function showWarnings(missing) {
  warnings = missing;
  diag.deviceWarnings = missing;
  renderDeviceWarning();
}

/** The missing devices said in the page's language (render.js calls it on a language change). */
export function renderDeviceWarning() {
  const el = dom.deviceWarning;
  el.hidden = warnings.length === 0;
  el.textContent = warnings
    .map((m) => {
      const kind = t(`site.device.kind.${m.kind}`);
      const patterns = m.patterns.map((pattern) => t("site.device.pattern", { pattern })).join(", ");
      return m.used === null
        ? t("site.device.none", { kind, patterns })
        : t("site.device.missing", { kind, patterns, used: m.used });
    })
    .join(" ");
}
