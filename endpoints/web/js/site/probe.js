/*
 * probe.js — the bitrate probe's packets on the `probe` data channel (docs/protocol.md,
 * "Data channel"), pure: tests/web/js/site-probe.test.mjs.
 *
 * A packet is exactly 1000 bytes: byte 0 the direction (1 up, 2 down), bytes 1–2 the step
 * index (uint16 big-endian), bytes 3–6 the sequence number within the step (uint32 BE, from
 * 0), the rest zeros.
 *
 * Up (the hall sends): `Pacer` says, at each tick (every 10 ms), how many whole packets of
 * the current step are due so that the step's bytes so far keep its rate (kbps × elapsed ms
 * / 8 bytes). A packet the browser has no room for (its send buffer is full: the path is
 * slower than the step) is skipped, not queued and not numbered: the schedule moves on, so
 * the channel never bursts to catch up, the buffer stays bounded, and a sequence gap on the
 * bridge's side is always a packet lost on the way. Only the current step sends: what a late
 * tick owed a step that has ended is dropped with it.
 *
 * Down (the bridge sends): `StepCounter` counts per step; received, highest seq + 1 −
 * received = lost, kbps = bytes of the packets after the first × 8 / (last − first arrival)
 * (0 with fewer than 3 packets); at most 16 steps, as the bridge counts.
 */

export const PACKET_BYTES = 1000;
export const UP = 1;
export const DOWN = 2;
export const TICK_MS = 10;
// The browser may hold this much unsent (at least BUFFER_MIN_BYTES): about 100 ms of the
// step's rate, so a step's packets stop leaving soon after the step ends.
export const BUFFER_MS = 100;
export const BUFFER_MIN_BYTES = 16 * 1024;
// As the bridge (bridge/probe/pacing.py): a rate needs at least this many packets, and at
// most this many steps are counted (the report's bound).
export const MIN_PACKETS_FOR_RATE = 3;
export const MAX_STEPS = 16;

/** One probe packet (a fresh 1000-byte buffer). */
export function encodePacket(direction, step, seq) {
  const buffer = new ArrayBuffer(PACKET_BYTES);
  const view = new DataView(buffer);
  view.setUint8(0, direction);
  view.setUint16(1, step);
  view.setUint32(3, seq);
  return buffer;
}

/** {direction, step, seq, bytes} of a received packet, or null when it is none. */
export function decodePacket(data) {
  const buffer = data instanceof ArrayBuffer ? data : data && data.buffer;
  if (!(buffer instanceof ArrayBuffer)) return null;
  const offset = data instanceof ArrayBuffer ? 0 : data.byteOffset;
  const length = data.byteLength;
  if (length !== PACKET_BYTES) return null;
  const view = new DataView(buffer, offset, length);
  const direction = view.getUint8(0);
  if (direction !== UP && direction !== DOWN) return null;
  return { direction, step: view.getUint16(1), seq: view.getUint32(3), bytes: length };
}

/** Whole packets a step at `kbps` has owed after `elapsedMs` of it. */
export function packetsOwed(kbps, elapsedMs) {
  if (!(kbps > 0) || !(elapsedMs > 0)) return 0;
  return Math.floor((kbps * elapsedMs) / 8 / PACKET_BYTES);
}

/** How many bytes the browser may hold unsent at `kbps`. */
export function bufferLimit(kbps) {
  return Math.max(BUFFER_MIN_BYTES, Math.ceil((kbps * BUFFER_MS) / 8));
}

/** The up probe's schedule: steps of `stepMs` at `stepsKbps`, from `startMs`. */
export class Pacer {
  constructor(stepsKbps, stepMs, startMs) {
    this.steps = stepsKbps.map((kbps) => Math.max(0, Number(kbps) || 0));
    this.stepMs = stepMs;
    this.startMs = startMs;
    this.owed = this.steps.map(() => 0); // packets accounted for: sent or skipped
    this.sent = this.steps.map(() => 0); // the next sequence number of each step
    this.skipped = this.steps.map(() => 0);
  }

  /** The step running at `nowMs` (−1 before the first; steps.length once all ended). */
  stepAt(nowMs) {
    const elapsed = nowMs - this.startMs;
    if (elapsed < 0) return -1;
    return Math.min(this.steps.length, Math.floor(elapsed / this.stepMs));
  }

  done(nowMs) {
    return this.stepAt(nowMs) >= this.steps.length;
  }

  /**
   * The packets to send now, as [{step, seq}], when the browser holds `bufferedBytes`
   * unsent. Marks them sent, and what does not fit skipped.
   */
  tick(nowMs, bufferedBytes) {
    const step = this.stepAt(nowMs);
    if (step < 0 || step >= this.steps.length) return [];
    const kbps = this.steps[step];
    const owed = packetsOwed(kbps, nowMs - this.startMs - step * this.stepMs);
    const due = owed - this.owed[step];
    if (due <= 0) return [];
    this.owed[step] = owed;
    const room = Math.max(0, Math.floor((bufferLimit(kbps) - bufferedBytes) / PACKET_BYTES));
    const count = Math.min(due, room);
    this.skipped[step] += due - count;
    const packets = [];
    for (let i = 0; i < count; i += 1) {
      packets.push({ step, seq: this.sent[step] });
      this.sent[step] += 1;
    }
    return packets;
  }
}

/** The down probe's packets, counted per step. */
export class StepCounter {
  constructor() {
    this.steps = new Map(); // step → {received, highest, bytes, firstBytes, first, last}
  }

  add(step, seq, bytes, atMs) {
    let s = this.steps.get(step);
    if (!s) {
      if (step >= MAX_STEPS) return;
      s = { received: 0, highest: -1, bytes: 0, firstBytes: bytes, first: atMs, last: atMs };
      this.steps.set(step, s);
    }
    s.received += 1;
    s.highest = Math.max(s.highest, seq);
    s.bytes += bytes;
    s.last = Math.max(s.last, atMs);
    s.first = Math.min(s.first, atMs);
  }

  /** [{step, kbps, lost, received}] for steps 0 … max(count, highest step seen + 1) − 1. */
  summary(count = 0) {
    const seen = this.steps.size ? Math.max(...this.steps.keys()) + 1 : 0;
    const out = [];
    for (let step = 0; step < Math.min(MAX_STEPS, Math.max(count, seen)); step += 1) {
      const s = this.steps.get(step);
      if (!s) {
        out.push({ step, kbps: 0, lost: 0, received: 0 });
        continue;
      }
      const span = s.last - s.first;
      // bytes × 8 / ms is kbit/s; one packet, or all in one instant, carries no rate.
      const kbps =
        span > 0 && s.received >= MIN_PACKETS_FOR_RATE ? ((s.bytes - s.firstBytes) * 8) / span : 0;
      out.push({
        step,
        kbps: Math.round(kbps * 10) / 10,
        lost: Math.max(0, s.highest + 1 - s.received),
        received: s.received,
      });
    }
    return out;
  }
}
