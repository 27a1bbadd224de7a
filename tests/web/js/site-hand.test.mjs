// When the page says "the operator lowered your hand" (endpoints/web/js/site/hand.js).
import assert from "node:assert/strict";
import { test } from "node:test";

import { loweredByOperator, OWN_PRESS_MS } from "../../../endpoints/web/js/site/hand.js";

const up = { id: 7, hand_raised: true };
const down = { id: 7, hand_raised: false };
const NOW = 1_000_000;

test("an operator lowering a raised hand is news", () => {
  const message = { by: "account:thu.ky", cause: "lower_hand" };
  assert.equal(loweredByOperator(up, down, message, 7, null, NOW), true);
});

test("the hall withdrawing its own request is not", () => {
  const message = { by: "site:7", cause: "lower_hand" };
  assert.equal(loweredByOperator(up, down, message, 7, NOW - 100, NOW), false);
  assert.equal(loweredByOperator(up, down, message, 7, null, NOW), false);
});

test("being given the floor is said by the floor banner instead", () => {
  const message = { by: "account:thu.ky", cause: "give_floor" };
  assert.equal(loweredByOperator(up, down, message, 7, null, NOW), false);
});

test("nothing lowered, nothing said", () => {
  const message = { by: "account:thu.ky", cause: "mute" };
  assert.equal(loweredByOperator(down, down, message, 7, null, NOW), false);
  assert.equal(loweredByOperator(up, up, message, 7, null, NOW), false);
  assert.equal(loweredByOperator(null, down, message, 7, null, NOW), false);
});

test("without `by` (an older bridge) the hall's own recent press decides", () => {
  assert.equal(loweredByOperator(up, down, {}, 7, NOW - 1_000, NOW), false);
  assert.equal(loweredByOperator(up, down, {}, 7, NOW - OWN_PRESS_MS - 1, NOW), true);
  assert.equal(loweredByOperator(up, down, {}, 7, null, NOW), true);
});
