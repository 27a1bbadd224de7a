// The console's action table (endpoints/web/js/console/actions.js): when each action is
// enabled, what it sends, which key takes it, and what a role may do.
import assert from "node:assert/strict";
import { test } from "node:test";

import {
  ACTIONS,
  action,
  actionForKey,
  enabled,
  handQueue,
  mayPreview,
  nextHand,
  permitted,
  resolve,
  shortcuts,
} from "../../../endpoints/web/js/console/actions.js";

const READY = { ready: true, floor: null, shownId: null };
const site = (id, extra = {}) => ({ id, name: `S${id}`, state: "connected", muted: false, ...extra });
const ALL = null; // an older bridge that does not list actions: everything is allowed
const PERMISSIONS = [
  "console.previews",
  "site.mute",
  "site.unmute",
  "site.show",
  "voice.set",
  "hand.lower",
  "floor.give",
  "mute.all_except_host",
  "unmute.all",
  "site.remove",
  "session.end",
  "readiness.test",
  "recording.control",
];

test("nothing that sends is enabled before the board is ready", () => {
  const board = { ...READY, ready: false };
  for (const entry of ACTIONS.filter((a) => a.message)) {
    assert.equal(enabled(entry.name, site(1, { hand_raised: true }), board, ALL), false, entry.name);
  }
});

test("site rules: floor, show, lower hand, remove", () => {
  const offline = site(2, { state: "offline" });
  assert.equal(enabled("give_floor", site(1), READY, ALL), true);
  assert.equal(enabled("give_floor", offline, READY, ALL), false);
  assert.equal(enabled("give_floor", site(1), { ...READY, floor: 1 }, ALL), false);
  assert.equal(enabled("show", site(1), { ...READY, shownId: 1 }, ALL), false);
  assert.equal(enabled("show", offline, READY, ALL), false, "an offline hall cannot be shown");
  assert.equal(enabled("lower_hand", site(1), READY, ALL), false);
  assert.equal(enabled("lower_hand", site(1, { hand_raised: true }), READY, ALL), true);
  assert.equal(enabled("remove", offline, READY, ALL), false);
  assert.equal(enabled("remove", site(1), READY, ALL), true);
  assert.equal(enabled("mute", null, READY, ALL), false, "a site action needs a site");
});

test("the mute control stands for unmute on a muted site", () => {
  assert.equal(resolve("mute", site(1)), "mute");
  assert.equal(resolve("mute", site(1, { muted: true })), "unmute");
  assert.equal(resolve("unmute", site(1)), "mute");
  assert.equal(resolve("show", site(1, { muted: true })), "show");
});

test("messages are the protocol's", () => {
  assert.deepEqual(action("give_floor").message(site(7)), { type: "give_floor", site_id: 7 });
  assert.deepEqual(action("unmute_all").message(null), { type: "unmute_all" });
  assert.deepEqual(action("voice_activated").message(null, true), {
    type: "voice_activated",
    enabled: true,
  });
  for (const name of ["remove", "end_session"]) assert.ok(action(name).confirm, name);
});

test("keys match in either case and the help lists every shortcut once", () => {
  assert.equal(actionForKey("m"), "mute");
  assert.equal(actionForKey("M"), "mute");
  assert.equal(actionForKey("ArrowDown"), "next");
  assert.equal(actionForKey("Delete"), "remove");
  assert.equal(actionForKey("?"), "help");
  assert.equal(actionForKey("x"), null);
  const keys = shortcuts().flatMap((a) => a.keys);
  assert.equal(new Set(keys).size, keys.length);
  assert.ok(shortcuts().every((a) => a.help.startsWith("console.keys.")));
});

test("an account may take only the actions `ready` lists; absent list: all", () => {
  const observer = [];
  const muter = ["site.mute"];
  for (const entry of ACTIONS) {
    assert.equal(permitted(entry.name, ALL), true, entry.name);
    assert.equal(permitted(entry.name, observer), !entry.permission, entry.name);
  }
  assert.equal(enabled("mute", site(1), READY, muter), true);
  assert.equal(enabled("unmute", site(1, { muted: true }), READY, muter), false);
  assert.equal(enabled("end_session", null, READY, muter), false);
  assert.equal(enabled("next", null, READY, observer), true, "moving the selection is no action");
  assert.equal(mayPreview(observer), false);
  assert.equal(mayPreview(["console.previews"]), true);
  assert.equal(mayPreview(ALL), true);
});

test("every permission the bridge may list has its control", () => {
  const named = new Set(ACTIONS.map((a) => a.permission).filter(Boolean));
  named.add("console.previews");
  assert.deepEqual([...named].sort(), [...PERMISSIONS].sort());
});

test("a connection test: any hall on the line, or all; the message the bridge runs it by", () => {
  assert.equal(enabled("test_run", site(1), READY, ALL), true);
  assert.equal(enabled("test_run", site(1, { state: "connecting" }), READY, ALL), true);
  assert.equal(enabled("test_run", site(1, { state: "offline" }), READY, ALL), false);
  assert.equal(enabled("test_run", site(1), READY, ["site.mute"]), false);
  assert.equal(enabled("test_run_all", null, READY, ["readiness.test"]), true);
  assert.deepEqual(action("test_run").message(site(7)), { type: "test_run", site_id: 7 });
  assert.deepEqual(action("test_run_all").message(null), { type: "test_run" });
});

test("recording: start while not recording, stop while recording; both ask first", () => {
  const recording = { ...READY, recording: true };
  assert.equal(enabled("record_start", null, READY, ALL), true);
  assert.equal(enabled("record_stop", null, READY, ALL), false);
  assert.equal(enabled("record_start", null, recording, ALL), false);
  assert.equal(enabled("record_stop", null, recording, ALL), true);
  assert.equal(enabled("record_start", null, READY, ["site.mute"]), false, "an observer may not");
  assert.deepEqual(action("record_start").message(null), { type: "record", on: true });
  assert.deepEqual(action("record_stop").message(null), { type: "record", on: false });
  assert.ok(action("record_start").confirm && action("record_stop").confirm);
});

test("the hands queue: who asked first first; the next hand skips offline sites", () => {
  const sites = [
    site(1, { hand_raised: true, hand_seq: 3 }),
    site(2, { hand_raised: true, hand_seq: 1, state: "offline" }),
    site(3),
    site(4, { hand_raised: true, hand_seq: 2 }),
  ];
  assert.deepEqual(handQueue(sites).map((s) => s.id), [2, 4, 1]);
  assert.equal(nextHand(sites).id, 4);
  assert.equal(nextHand([site(5)]), null);
});
