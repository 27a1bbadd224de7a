// The site page's device choice (endpoints/web/js/site/devices.js) against the vectors the
// bridge's devices.py is checked with (tests/profiles/device_vectors.json): one rule.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";

import { choose, matches } from "../../../endpoints/web/js/site/devices.js";

const VECTORS = JSON.parse(
  readFileSync(new URL("../../profiles/device_vectors.json", import.meta.url), "utf-8"),
);

function inventory(name) {
  return VECTORS.inventories[name].map(([kind, label, deviceId]) => ({ kind, label, deviceId }));
}

test("devices.js agrees with every shared vector", () => {
  assert.ok(VECTORS.cases.length >= 30);
  for (const c of VECTORS.cases) {
    const where = `${c.inventory} ${c.kind} ${JSON.stringify(c.patterns)}`;
    const choice = choose(c.kind, c.patterns, inventory(c.inventory));
    assert.equal(choice.device ? choice.device.label : null, c.chosen, where);
    assert.equal(choice.device ? choice.device.deviceId : null, c.chosen_id, where);
    assert.equal(choice.pattern, c.pattern, where);
    const missing = choice.missing
      ? {
          patterns: choice.missing.patterns,
          fallback: choice.missing.fallback ? choice.missing.fallback.label : null,
        }
      : null;
    assert.deepEqual(missing, c.missing, where);
  }
});

test("a glob is over the whole label; a substring anywhere; any case", () => {
  assert.equal(matches("Jabra*", "jabra speak 510"), true);
  assert.equal(matches("*Speak", "Jabra SPEAK 510 USB"), false);
  assert.equal(matches("speak 5", "Jabra SPEAK 510 USB"), true);
  assert.equal(matches("a.b", "axb"), false); // regex characters are literal
  assert.equal(matches("a+b*", "a+bc"), true);
});
