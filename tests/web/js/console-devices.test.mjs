// A hall's device warnings and the profile fields (endpoints/web/js/console/devices.js,
// profile-fields.js): pure, no DOM.
import assert from "node:assert/strict";
import { test } from "node:test";

import { deviceWarnings, differingFields, warningsSignature } from "../../../endpoints/web/js/console/devices.js";
import {
  FIELDS,
  fieldOfError,
  flatten,
  fromInput,
  nest,
  valueAt,
} from "../../../endpoints/web/js/console/profile-fields.js";

test("what is missing first, then the health warnings in a fixed order", () => {
  const status = { missing: [{ kind: "microphone", patterns: ["Sennheiser*", "Jabra"], used: "Default" }] };
  const health = { warnings: ["speaker_silent", "mic_clipping", "unknown_word"] };
  const found = deviceWarnings(status, health);
  assert.deepEqual(found.map((w) => w.code), ["missing_microphone", "mic_clipping", "speaker_silent"]);
  assert.deepEqual(found[0].params, { patterns: "«Sennheiser*», «Jabra»", used: "«Default»" });
  assert.equal(found[0].key, "console.devices.missing_microphone");
  assert.deepEqual(deviceWarnings(status, health, false), [], "an offline hall has none");
  assert.deepEqual(deviceWarnings(undefined, undefined), []);
  assert.notEqual(warningsSignature(found, "confirmed"), warningsSignature(found, "differs"));
});

test("differing fields are those read back otherwise", () => {
  const status = {
    fields: {
      "camera.width": { desired: 1920, readback: 1280, ok: false },
      "microphone.gain_db": { desired: 3, readback: 3, ok: true },
      "display.layout": { desired: "grid", readback: null, ok: null },
    },
  };
  assert.deepEqual(differingFields(status), [{ path: "camera.width", desired: 1920, readback: 1280 }]);
});

test("every field of docs/profiles.md, and the paths the server's errors name", () => {
  assert.equal(FIELDS.length, 21);
  assert.equal(fieldOfError("profile.microphone.gain_db"), "microphone.gain_db");
  assert.equal(fieldOfError("profile.camera.labels[1]"), "camera.labels");
  assert.equal(fieldOfError("fields.speaker.volume", "fields"), "speaker.volume");
  assert.equal(fieldOfError("name.vi"), "name.vi");
  const flat = { "microphone.gain_db": 3, "display.layout": "grid" };
  assert.deepEqual(nest(flat), { microphone: { gain_db: 3 }, display: { layout: "grid" } });
  assert.deepEqual(flatten(nest(flat)), flat);
  assert.deepEqual(flatten({ "speaker.volume": 0.5, camera: { width: null } }), { "speaker.volume": 0.5 });
  assert.equal(valueAt({ camera: { width: 1920 } }, "camera.width"), 1920);
  const gain = FIELDS.find((f) => f.path === "microphone.gain_db");
  assert.equal(fromInput(gain, "2,5"), 2.5);
  assert.equal(fromInput(gain, "abc"), "abc", "left for the server to name");
  const labels = FIELDS.find((f) => f.path === "camera.labels");
  assert.deepEqual(fromInput(labels, " PTZ \n\nAVer"), ["PTZ", "AVer"]);
});
