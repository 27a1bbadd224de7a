/*
 * devices.js — what a hall's devices say, pure (no DOM, no catalogue: keys and params).
 *
 * Two rows come from the bridge (docs/protocol.md): `profile_status` (the profile the hall
 * was sent, what it applied and read back, and `missing`: a device its profile names that
 * it lacks, and the one used instead) and `health` (once a second: levels, fps, and
 * `warnings`). A card shows one line per warning, in the order here: what is missing
 * first (it explains the rest), then the health warnings, the microphone's first.
 */

/** The health warnings the bridge may send, in the order they are shown. */
export const HEALTH_WARNINGS = [
  "mic_off",
  "mic_no_signal",
  "mic_clipping",
  "camera_off",
  "camera_slow",
  "speaker_silent",
];

/** Catalogue keys, written out so the catalogue test finds each one. */
const HEALTH_KEYS = {
  mic_off: "console.devices.mic_off",
  mic_no_signal: "console.devices.mic_no_signal",
  mic_clipping: "console.devices.mic_clipping",
  camera_off: "console.devices.camera_off",
  camera_slow: "console.devices.camera_slow",
  speaker_silent: "console.devices.speaker_silent",
};
const MISSING_KEYS = {
  microphone: "console.devices.missing_microphone",
  speaker: "console.devices.missing_speaker",
  camera: "console.devices.missing_camera",
};
/** The profile state's catalogue keys: offline / pending / confirmed / differs. */
export const STATE_KEYS = {
  offline: "console.profile_state.offline",
  pending: "console.profile_state.pending",
  confirmed: "console.profile_state.confirmed",
  differs: "console.profile_state.differs",
};
/** The mark each state shows (never colour alone). */
export const STATE_MARKS = { offline: "–", pending: "…", confirmed: "✓", differs: "≠" };

/**
 * A hall's warnings: `[{code, key, params}]`. `status` is its `profile_status` entry (or
 * undefined), `health` its `health` entry (or undefined). A hall that is not connected
 * has none: what it lacked when it was there is no news of now.
 */
export function deviceWarnings(status, health, connected = true) {
  if (!connected) return [];
  const out = [];
  const missing = status && Array.isArray(status.missing) ? status.missing : [];
  for (const item of missing) {
    const key = MISSING_KEYS[item && item.kind];
    if (!key) continue;
    const patterns = Array.isArray(item.patterns) ? item.patterns : [];
    out.push({
      code: `missing_${item.kind}`,
      key,
      params: {
        patterns: patterns.map((p) => `«${p}»`).join(", "),
        used: item.used ? `«${item.used}»` : "—",
      },
    });
  }
  const said = new Set(health && Array.isArray(health.warnings) ? health.warnings : []);
  for (const code of HEALTH_WARNINGS) {
    if (said.has(code)) out.push({ code, key: HEALTH_KEYS[code], params: {} });
  }
  return out;
}

/** A string that changes when what a card shows of its devices changes (to skip writes). */
export function warningsSignature(warnings, state) {
  return `${state || ""}|${warnings.map((w) => `${w.code}:${w.params.patterns || ""}:${w.params.used || ""}`).join(";")}`;
}

/** The fields whose read-back differs from what was desired: `[{path, desired, readback}]`. */
export function differingFields(status) {
  const fields = (status && status.fields) || {};
  return Object.entries(fields)
    .filter(([, f]) => f && f.ok === false)
    .map(([path, f]) => ({ path, desired: f.desired, readback: f.readback }));
}

/** A value as a person reads it: lists joined, booleans and null spelled by the caller. */
export function shownValue(value) {
  if (value === null || value === undefined) return "—";
  if (Array.isArray(value)) return value.length ? value.join(", ") : "—";
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}
