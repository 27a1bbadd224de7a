// Kiosk mode from the join link (endpoints/web/js/site/link.js).
import assert from "node:assert/strict";
import { test } from "node:test";

import { addressWithoutToken, kioskRequested } from "../../../endpoints/web/js/site/link.js";

test("kiosk from the query or next to the token in the fragment", () => {
  assert.equal(kioskRequested("?kiosk=1", "#token=abc"), true);
  assert.equal(kioskRequested("", "#token=abc&kiosk=1"), true);
  assert.equal(kioskRequested("", "#token=abc&kiosk"), true);
  assert.equal(kioskRequested("?raw=1", "#token=abc"), false);
  assert.equal(kioskRequested("?kiosk=0", "#token=abc"), false);
  assert.equal(kioskRequested("", ""), false);
});

test("the address keeps the query, and kiosk mode, without the token", () => {
  assert.equal(addressWithoutToken("/site/3", "?raw=1", false), "/site/3?raw=1");
  assert.equal(addressWithoutToken("/site/3", "", false), "/site/3");
  assert.equal(addressWithoutToken("/site/3", "", true), "/site/3?kiosk=1");
  assert.equal(addressWithoutToken("/site/3", "?kiosk=1", true), "/site/3?kiosk=1");
  assert.equal(addressWithoutToken("/site/3", "?raw=1", true), "/site/3?raw=1&kiosk=1");
});
