/*
 * profile-fields.js — every field of a hardware profile (docs/profiles.md, "Fields"), its
 * kind, bounds and catalogue key, in the doc's order; and moving between a profile (nested
 * sections), its field paths ("microphone.gain_db") and the server's error paths
 * ("profile.camera.labels[1]"). Pure: no DOM, no catalogue.
 */

export const SECTIONS = ["microphone", "speaker", "camera", "display"];

export const SECTION_KEYS = {
  microphone: "console.pfield.section_microphone",
  speaker: "console.pfield.section_speaker",
  camera: "console.pfield.section_camera",
  display: "console.pfield.section_display",
};

const labels = (path, key) => ({ path, kind: "labels", key, max: 8, maxLength: 120 });
const bool = (path, key) => ({ path, kind: "bool", key });
const int = (path, key, min, max) => ({ path, kind: "int", key, min, max, step: 1 });
const num = (path, key, min, max, step) => ({ path, kind: "number", key, min, max, step });

export const FIELDS = [
  labels("microphone.labels", "console.pfield.microphone_labels"),
  bool("microphone.echo_cancellation", "console.pfield.microphone_echo_cancellation"),
  bool("microphone.noise_suppression", "console.pfield.microphone_noise_suppression"),
  bool("microphone.auto_gain_control", "console.pfield.microphone_auto_gain_control"),
  int("microphone.channel_count", "console.pfield.microphone_channel_count", 1, 2),
  int("microphone.sample_rate", "console.pfield.microphone_sample_rate", 8000, 48000),
  num("microphone.gain_db", "console.pfield.microphone_gain_db", -20, 20, 0.5),
  labels("speaker.labels", "console.pfield.speaker_labels"),
  num("speaker.volume", "console.pfield.speaker_volume", 0, 1, 0.05),
  labels("camera.labels", "console.pfield.camera_labels"),
  int("camera.width", "console.pfield.camera_width", 160, 3840),
  int("camera.height", "console.pfield.camera_height", 120, 2160),
  int("camera.frame_rate", "console.pfield.camera_frame_rate", 1, 60),
  int("camera.preview_width", "console.pfield.camera_preview_width", 80, 1280),
  int("camera.preview_height", "console.pfield.camera_preview_height", 60, 720),
  int("camera.preview_frame_rate", "console.pfield.camera_preview_frame_rate", 1, 30),
  {
    path: "display.layout",
    kind: "enum",
    key: "console.pfield.display_layout",
    options: [
      ["full", "console.pfield.layout_full"],
      ["inset", "console.pfield.layout_inset"],
      ["grid", "console.pfield.layout_grid"],
    ],
  },
  int("display.grid_sites", "console.pfield.display_grid_sites", 2, 9),
  bool("display.captions", "console.pfield.display_captions"),
  bool("display.clock", "console.pfield.display_clock"),
  int("display.banner_height", "console.pfield.display_banner_height", 2, 25),
];

export const fieldByPath = new Map(FIELDS.map((f) => [f.path, f]));
export const sectionOf = (path) => path.split(".")[0];

/** `profile.microphone.gain_db` → `microphone.gain_db`; `profile.camera.labels[1]` →
 * `camera.labels`; `fields.speaker.volume` → `speaker.volume`; anything else as it is
 * (`name.vi`, `id`). `prefix` is the body member that holds the profile. */
export function fieldOfError(field, prefix = "profile") {
  if (!field) return null;
  let path = String(field);
  if (path.startsWith(`${prefix}.`)) path = path.slice(prefix.length + 1);
  return path.replace(/\[\d+\]$/u, "");
}

/** A nested profile's value at a path ("camera.width"), or undefined. */
export function valueAt(profile, path) {
  const [section, name] = path.split(".");
  const part = profile && profile[section];
  return part && typeof part === "object" ? part[name] : undefined;
}

/** `{path: value}` → the nested sections a profile or an override is written in. */
export function nest(flat) {
  const out = {};
  for (const [path, value] of Object.entries(flat)) {
    const [section, name] = path.split(".");
    out[section] = out[section] || {};
    out[section][name] = value;
  }
  return out;
}

/** An override's set fields as `{path: value}`; takes nested sections or flat paths. */
export function flatten(override) {
  const out = {};
  for (const [key, value] of Object.entries(override || {})) {
    if (key.includes(".")) {
      if (value !== null && value !== undefined) out[key] = value;
    } else if (value && typeof value === "object" && !Array.isArray(value)) {
      for (const [name, v] of Object.entries(value)) {
        if (v !== null && v !== undefined) out[`${key}.${name}`] = v;
      }
    }
  }
  return out;
}

/** A form's text for a field's value, and back (a number left unparsable is sent as the
 * text typed, so the server names the field: the page does not second-guess its bounds). */
export function toInput(field, value) {
  if (field.kind === "labels") return Array.isArray(value) ? value.join("\n") : "";
  if (field.kind === "bool") return Boolean(value);
  return value === undefined || value === null ? "" : String(value);
}

export function fromInput(field, raw) {
  if (field.kind === "labels") {
    return String(raw)
      .split("\n")
      .map((line) => line.trim())
      .filter(Boolean);
  }
  if (field.kind === "bool") return Boolean(raw);
  if (field.kind === "enum") return String(raw);
  const text = String(raw).trim().replace(",", ".");
  const value = Number(text);
  return text !== "" && Number.isFinite(value) ? value : String(raw);
}
