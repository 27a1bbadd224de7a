// The bitrate probe's packets, pacing and counting (endpoints/web/js/site/probe.js).
import assert from "node:assert/strict";
import { test } from "node:test";

import {
  bufferLimit,
  decodePacket,
  DOWN,
  encodePacket,
  PACKET_BYTES,
  Pacer,
  packetsOwed,
  StepCounter,
  TICK_MS,
  UP,
} from "../../../endpoints/web/js/site/probe.js";

test("a packet is 1000 bytes: direction, step (uint16 BE), sequence (uint32 BE), zeros", () => {
  const bytes = new Uint8Array(encodePacket(UP, 0x0102, 0x03040506));
  assert.equal(bytes.length, PACKET_BYTES);
  assert.deepEqual([...bytes.slice(0, 7)], [1, 1, 2, 3, 4, 5, 6]);
  assert.ok(bytes.slice(7).every((b) => b === 0));
  assert.deepEqual(decodePacket(encodePacket(DOWN, 4, 70_000)), {
    direction: DOWN,
    step: 4,
    seq: 70_000,
    bytes: PACKET_BYTES,
  });
  // A view into a larger buffer reads from its own start.
  const big = new Uint8Array(2000);
  big.set(new Uint8Array(encodePacket(DOWN, 1, 9)), 500);
  assert.deepEqual(decodePacket(big.subarray(500, 1500)), { direction: DOWN, step: 1, seq: 9, bytes: 1000 });
});

test("anything else is no packet", () => {
  assert.equal(decodePacket(new ArrayBuffer(3)), null);
  assert.equal(decodePacket(new ArrayBuffer(999)), null); // exactly 1000 bytes, as the bridge
  assert.equal(decodePacket(new Uint8Array([9, 0, 0, 0, 0, 0, 0, 0]).buffer), null);
  assert.equal(decodePacket("text"), null);
  assert.equal(decodePacket(null), null);
});

test("whole packets owed keep the step's rate: kbps × ms / 8 bytes", () => {
  assert.equal(packetsOwed(800, 1000), 100); // 800 kb/s = 100 000 B/s
  assert.equal(packetsOwed(800, 10), 1);
  assert.equal(packetsOwed(800, 9), 0);
  assert.equal(packetsOwed(0, 1000), 0);
  assert.equal(packetsOwed(800, -5), 0);
});

/** Run a pacer from 0 to `untilMs` in 10 ms ticks; `buffered(now)` the browser's queue. */
function run(pacer, untilMs, buffered = () => 0) {
  const sent = [];
  for (let now = 0; now <= untilMs; now += TICK_MS) sent.push(...pacer.tick(now, buffered(now)));
  return sent;
}

test("each step sends its rate for its time, numbered from 0, then the probe ends", () => {
  const steps = [400, 800, 1600];
  const pacer = new Pacer(steps, 1000, 0);
  const sent = run(pacer, 3500);
  for (const [i, kbps] of steps.entries()) {
    const own = sent.filter((p) => p.step === i);
    const expected = packetsOwed(kbps, 1000);
    // The last ≤ 10 ms of a step may go with its end (only the running step sends).
    assert.ok(own.length >= expected - Math.ceil(packetsOwed(kbps, TICK_MS)) - 1, `${i}: ${own.length}`);
    assert.ok(own.length <= expected, `${i}: ${own.length}`);
    assert.deepEqual(own.map((p) => p.seq), [...own.keys()]);
  }
  assert.equal(pacer.done(3000), true);
  assert.deepEqual(pacer.tick(3010, 0), []);
});

test("no tick sends more than it owes: a late tick is not a burst of the past", () => {
  const pacer = new Pacer([800, 800], 1000, 0);
  // A tick at 500 ms (the page was busy): 50 packets owed by now, sent now.
  assert.equal(pacer.tick(500, 0).length, 16); // … but only as many as the buffer holds
  // The step ended while the page was busy: what it owed is dropped, step 1 starts fresh.
  const next = pacer.tick(1010, 0);
  assert.ok(next.every((p) => p.step === 1));
  assert.deepEqual(next.map((p) => p.seq), [0]);
});

test("a full send buffer skips packets rather than queueing them: it never grows unbounded", () => {
  const pacer = new Pacer([4000], 1000, 0); // 500 kB/s
  let queued = 0;
  const drainPerTick = 1000; // the path carries 100 kB/s: a fifth of the step
  let most = 0;
  for (let now = 0; now <= 1000; now += TICK_MS) {
    queued = Math.max(0, queued - drainPerTick);
    queued += pacer.tick(now, queued).length * PACKET_BYTES;
    most = Math.max(most, queued);
  }
  assert.ok(most <= bufferLimit(4000), `${most}`);
  assert.ok(pacer.skipped[0] > 300, `${pacer.skipped[0]}`);
  // What did leave is numbered without gaps: a gap on the far side is a real loss.
  assert.equal(pacer.sent[0] + pacer.skipped[0], packetsOwed(4000, 990)); // its last tick
});

test("the buffer allowed is 100 ms of the step, at least 16 KiB", () => {
  assert.equal(bufferLimit(100), 16 * 1024);
  assert.equal(bufferLimit(4000), 50_000);
});

test("down: per step received, lost from the sequence, kbps from the arrivals after the first", () => {
  const c = new StepCounter();
  // Step 0: 11 packets over 100 ms, seq 3 lost → 10 after the first: 10 000 B in 100 ms.
  for (let seq = 0; seq <= 11; seq += 1) if (seq !== 3) c.add(0, seq, 1000, 1000 + seq * 10 - (seq > 3 ? 10 : 0));
  c.add(2, 0, 1000, 3000); // step 1 never arrived; step 2 two packets: too few for a rate
  c.add(2, 1, 1000, 3010);
  assert.deepEqual(c.summary(3), [
    { step: 0, kbps: 800, lost: 1, received: 11 },
    { step: 1, kbps: 0, lost: 0, received: 0 },
    { step: 2, kbps: 0, lost: 0, received: 2 },
  ]);
  assert.equal(c.summary(5).length, 5);
  c.add(16, 0, 1000, 4000); // past the 16 steps the report may carry: not counted
  assert.equal(c.summary(40).length, 16);
  assert.deepEqual(new StepCounter().summary(), []);
});

test("a reordered packet still counts: seq order does not matter", () => {
  const c = new StepCounter();
  c.add(0, 1, 1000, 0);
  c.add(0, 0, 1000, 10);
  c.add(0, 2, 1000, 20);
  assert.deepEqual(c.summary(1), [{ step: 0, kbps: 800, lost: 0, received: 3 }]);
});
