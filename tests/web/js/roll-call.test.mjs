// The roll call's pure rules (endpoints/web/js/console/roll-call-rules.js).
import assert from "node:assert/strict";
import { test } from "node:test";

import {
  MARKS,
  markBody,
  presentNow,
  shareText,
} from "../../../endpoints/web/js/console/roll-call-rules.js";

test("a mark's body carries only what the mark uses", () => {
  assert.deepEqual(MARKS, ["present", "absent", "elsewhere"]);
  assert.deepEqual(markBody("present", " x ", 3), { mark: "present" });
  const absent = markBody("absent", "  Mất điện ", 3);
  assert.deepEqual(absent, { mark: "absent", reason: "Mất điện" });
  assert.deepEqual(markBody("elsewhere", "x", 3), { mark: "elsewhere", at_site_id: 3 });
  assert.deepEqual(markBody("elsewhere", "", null), { mark: "elsewhere", at_site_id: null });
});

test("the mark decides who is present; without one, the measurement", () => {
  assert.equal(presentNow(true, "absent"), false);
  assert.equal(presentNow(false, "present"), true);
  assert.equal(presentNow(false, "elsewhere"), true);
  assert.equal(presentNow(true, ""), true);
  assert.equal(presentNow(false, ""), false);
});

test("a share is said in whole percent", () => {
  assert.equal(shareText(0.916), "92 %");
  assert.equal(shareText(0), "0 %");
  assert.equal(shareText(null), "—");
});
