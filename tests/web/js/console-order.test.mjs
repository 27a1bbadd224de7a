// The board's order, filter and counts (endpoints/web/js/console/order.js).
import assert from "node:assert/strict";
import { test } from "node:test";

import { matches, shownState, sortSites, summarize } from "../../../endpoints/web/js/console/order.js";

const site = (id, name, extra = {}) => ({
  id,
  name,
  level: "province",
  state: "connected",
  muted: false,
  hand_raised: false,
  hand_seq: null,
  ...extra,
});

const SITES = [
  site(1, "Hội trường Trung ương", { level: "central", host: true }),
  site(2, "Điểm cầu tỉnh Quảng Trị", { state: "offline" }),
  site(3, "Điểm cầu huyện Hướng Hóa", { level: "district", hand_raised: true, hand_seq: 9 }),
  site(4, "Điểm cầu thành phố Hà Nội", { state: "connecting" }),
  site(5, "Điểm cầu tỉnh Quảng Bình", { muted: true, hand_raised: true, hand_seq: 3 }),
  site(6, "Điểm cầu xã Ba Lòng", { level: "commune" }),
  site(7, "Điểm cầu tỉnh Cà Mau"),
];
const ids = (sites) => sites.map((s) => s.id);

test("roster order is the default and the tie-breaker", () => {
  assert.deepEqual(ids(sortSites(SITES, "roster")), [1, 2, 3, 4, 5, 6, 7]);
  assert.deepEqual(ids(sortSites(SITES, "nonsense")), [1, 2, 3, 4, 5, 6, 7]);
});

test("by state: connected, no media, connecting, offline", () => {
  const quality = new Map([[7, { id: 7, grade: "poor", no_media: true }]]);
  assert.deepEqual(ids(sortSites(SITES, "state", { quality })), [1, 3, 5, 6, 7, 4, 2]);
  assert.equal(shownState(SITES[6], quality.get(7)), "no_media");
  assert.equal(shownState(SITES[6], { grade: "good" }), "connected"); // field absent
  assert.equal(shownState(SITES[1], { no_media: true }), "offline");
});

test("by level: central, then provinces (tỉnh before thành phố), districts, communes", () => {
  assert.deepEqual(ids(sortSites(SITES, "level")), [1, 7, 5, 2, 4, 3, 6]);
});

test("by name: the place name in Vietnamese order, prefix ignored", () => {
  assert.deepEqual(ids(sortSites(SITES, "name")), [6, 7, 4, 1, 3, 5, 2]);
});

test("by hands: raised hands first in queue order, then the rest in roster order", () => {
  assert.deepEqual(ids(sortSites(SITES, "hands")), [5, 3, 1, 2, 4, 6, 7]);
});

test("the filter matches without diacritics, every word", () => {
  const found = (q) => ids(SITES.filter((s) => matches(s, q)));
  assert.deepEqual(found(""), [1, 2, 3, 4, 5, 6, 7]);
  assert.deepEqual(found("quang"), [2, 5]);
  assert.deepEqual(found("QUẢNG trị"), [2]);
  assert.deepEqual(found("huong hoa"), [3]);
  assert.deepEqual(found("zzz"), []);
  assert.ok(matches(SITES[2], "district", "District"));
});

test("the counts", () => {
  const quality = new Map([[7, { id: 7, grade: "poor", no_media: true }]]);
  assert.deepEqual(summarize(SITES, quality), {
    total: 7,
    connected: 5,
    connecting: 1,
    offline: 1,
    no_media: 1,
    muted: 1,
    hands: 2,
    devices: 0,
  });
  // `devices`: site id → its device warnings; a hall with any counts once
  const devices = new Map([[1, 2], [3, 1], [4, 0]]);
  assert.equal(summarize(SITES, quality, devices).devices, 2);
});

test("the device-warnings sort: most warnings first, then the roster order", () => {
  const devices = new Map([[3, 1], [5, 2], [6, 1]]);
  assert.deepEqual(ids(sortSites(SITES, "devices", { devices })), [5, 3, 6, 1, 2, 4, 7]);
});
