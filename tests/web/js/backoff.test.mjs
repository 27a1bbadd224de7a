// The reconnection schedule both pages share (endpoints/web/js/common/backoff.js).
import assert from "node:assert/strict";
import { test } from "node:test";

import { Backoff, backoffSchedule } from "../../../endpoints/web/js/common/backoff.js";

test("waits 1, 2, 4, 8, then 15 s at most", () => {
  assert.deepEqual(backoffSchedule(7), [1, 2, 4, 8, 15, 15, 15]);
});

test("starts again from 1 s once a connection worked", () => {
  const backoff = new Backoff();
  backoff.next();
  backoff.next();
  backoff.next();
  backoff.reset();
  assert.deepEqual([backoff.next(), backoff.next()], [1, 2]);
});

test("bounds are settings", () => {
  assert.deepEqual(backoffSchedule(4, { firstS: 2, maxS: 5 }), [2, 4, 5, 5]);
});
