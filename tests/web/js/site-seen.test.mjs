// Whose picture a hall sees (endpoints/web/js/site/seen.js), the bridge's rule.
import assert from "node:assert/strict";
import { test } from "node:test";

import { seenSiteId } from "../../../endpoints/web/js/site/seen.js";

const HOST = 1;
const roster = [
  { id: 1, state: "connected" },
  { id: 2, state: "offline" },
  { id: 3, state: "connected" },
  { id: 4, state: "connected" },
];

test("everyone but the shown site sees the shown site", () => {
  assert.equal(seenSiteId({ site_id: 3, previous: 1 }, 4, HOST, roster), 3);
  assert.equal(seenSiteId({ site_id: 3, previous: 1 }, HOST, HOST, roster), 3);
});

test("the shown site sees the host", () => {
  assert.equal(seenSiteId({ site_id: 3, previous: 1 }, 3, HOST, roster), HOST);
});

test("the host, shown, sees the site shown before it", () => {
  assert.equal(seenSiteId({ site_id: HOST, previous: 4 }, HOST, HOST, roster), 4);
});

test("the host at the start sees another connected hall, never nothing", () => {
  assert.equal(seenSiteId({ site_id: HOST, previous: null }, HOST, HOST, roster), 3);
  assert.equal(seenSiteId(null, HOST, HOST, roster), 3); // before the first `shown`
  assert.equal(seenSiteId({ site_id: HOST, previous: null }, HOST, HOST, [roster[0]]), null);
});

test("before the first shown event a hall sees the host", () => {
  assert.equal(seenSiteId(null, 4, HOST, roster), HOST);
});
