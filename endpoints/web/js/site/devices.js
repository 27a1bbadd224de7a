/*
 * devices.js — a profile's devices picked from what `enumerateDevices` lists: the JS twin of
 * bridge/profiles/devices.py (the same rule; tests/profiles/device_vectors.json holds the
 * cases both must agree on). Pure: no DOM, no browser calls.
 *
 * Device ids rotate, labels do not, so a profile names devices by label patterns, tried in
 * order: the first pattern some device's label matches picks it (the first such device in
 * inventory order). A pattern with `*`, `?` or `[` is a glob over the whole label (Python's
 * fnmatch), any other a substring; both ignore case. Chrome's `default` / `communications`
 * aliases come after the real devices, so a pattern picks the device itself. No match: the
 * default device (id `default`, else the first of its kind) and a `missing` entry; no
 * patterns at all: the default, no warning. An unlabelled device never matches.
 *
 * Case: Python casefolds, JS lower-cases; they differ only for a few letters (ß) that no
 * device label we know of uses.
 */

const GLOB = /[*?[]/;
const ALIASES = new Set(["default", "communications"]);
/** Profile sections by device kind. */
export const ROLES = { audioinput: "microphone", audiooutput: "speaker", videoinput: "camera" };

const REGEX_SPECIAL = /[\\^$.*+?()[\]{}|/-]/g;

/** Python's fnmatch.translate, for the subset that matters: * ? [set] [!set]. */
export function globToRegExp(pattern) {
  let out = "";
  let i = 0;
  const n = pattern.length;
  while (i < n) {
    const c = pattern[i];
    i += 1;
    if (c === "*") {
      if (!out.endsWith(".*")) out += ".*";
    } else if (c === "?") {
      out += ".";
    } else if (c === "[") {
      let j = i;
      if (j < n && pattern[j] === "!") j += 1;
      if (j < n && pattern[j] === "]") j += 1;
      while (j < n && pattern[j] !== "]") j += 1;
      if (j >= n) {
        out += "\\["; // no closing bracket: a literal "["
      } else {
        let set = pattern.slice(i, j).replace(/\\/g, "\\\\");
        i = j + 1;
        if (set.startsWith("!")) set = `^${set.slice(1)}`;
        else if (set.startsWith("^")) set = `\\${set}`;
        // JS reads "[]" as an empty class and "[" inside a class oddly: escape both ("-"
        // keeps its range meaning, as in Python).
        set = set.replace(/\[/g, "\\[").replace(/\]/g, "\\]");
        out += `[${set}]`;
      }
    } else {
      out += c.replace(REGEX_SPECIAL, "\\$&");
    }
  }
  return new RegExp(`^${out}$`, "s");
}

/** `pattern` (a glob if it has `*?[`, else a substring) matches `label`, any case. */
export function matches(pattern, label) {
  const p = pattern.toLowerCase();
  const l = label.toLowerCase();
  if (GLOB.test(p)) {
    try {
      return globToRegExp(p).test(l);
    } catch {
      return false; // a set the regex engine refuses (a reversed range): matches nothing
    }
  }
  return l.includes(p);
}

/** The default device of `kind`: id `default`, else the first of its kind, else null. */
export function defaultDevice(kind, inventory) {
  const ofKind = inventory.filter((d) => d.kind === kind);
  return ofKind.find((d) => d.deviceId === "default") || ofKind[0] || null;
}

/**
 * The device `patterns` pick for `kind` from `inventory` ({kind, label, deviceId}, as
 * MediaDeviceInfo): {kind, device, pattern, missing} — `pattern` the one that matched (null:
 * the default was taken), `missing` {kind, patterns, fallback} when patterns matched nothing.
 */
export function choose(kind, patterns, inventory) {
  const labelled = inventory.filter((d) => d.kind === kind && d.label);
  // The real devices first, then the aliases; stable within each (Array.sort is stable).
  const ofKind = labelled
    .map((d, i) => [ALIASES.has(d.deviceId) ? 1 : 0, i, d])
    .sort((a, b) => a[0] - b[0] || a[1] - b[1])
    .map((x) => x[2]);
  for (const pattern of patterns) {
    const device = ofKind.find((d) => matches(pattern, d.label));
    if (device) return { kind, device, pattern, missing: null };
  }
  const fallback = defaultDevice(kind, inventory);
  const missing = patterns.length ? { kind, patterns: [...patterns], fallback } : null;
  return { kind, device: fallback, pattern: null, missing };
}

/** The microphone, speaker and camera a profile picks. */
export function chooseDevices(profile, inventory) {
  return {
    microphone: choose("audioinput", profile.microphone.labels || [], inventory),
    speaker: choose("audiooutput", profile.speaker.labels || [], inventory),
    camera: choose("videoinput", profile.camera.labels || [], inventory),
  };
}
