// The reconnecting socket (endpoints/web/js/common/socket.js) with a fake WebSocket and
// fake timers: retries follow the backoff, late events of a closed attempt are dropped.
import assert from "node:assert/strict";
import { beforeEach, mock, test } from "node:test";

class FakeWebSocket extends EventTarget {
  static CONNECTING = 0;
  static OPEN = 1;
  static CLOSING = 2;
  static CLOSED = 3;
  static made = [];

  constructor(url) {
    super();
    this.url = url;
    this.readyState = FakeWebSocket.CONNECTING;
    this.sent = [];
    FakeWebSocket.made.push(this);
  }

  send(data) {
    this.sent.push(JSON.parse(data));
  }

  close() {
    this.readyState = FakeWebSocket.CLOSED;
  }

  open() {
    this.readyState = FakeWebSocket.OPEN;
    this.dispatchEvent(new Event("open"));
  }

  receive(message) {
    const event = new Event("message");
    event.data = JSON.stringify(message);
    this.dispatchEvent(event);
  }

  drop(code) {
    this.readyState = FakeWebSocket.CLOSED;
    const event = new Event("close");
    event.code = code;
    this.dispatchEvent(event);
  }
}

globalThis.WebSocket = FakeWebSocket;
globalThis.location = { protocol: "http:", host: "bridge.test:8080" };
const { ReconnectingSocket } = await import("../../../endpoints/web/js/common/socket.js");

beforeEach(() => {
  FakeWebSocket.made = [];
  mock.timers.reset();
  mock.timers.enable({ apis: ["setTimeout", "setInterval", "Date"] });
});

function reconnecting(extra = {}, options = {}) {
  const seen = { opened: 0, messages: [], closes: [], silences: 0, ticks: 0 };
  const socket = new ReconnectingSocket(
    {
      onOpen: () => (seen.opened += 1),
      onMessage: (m) => seen.messages.push(m),
      onClose: (code) => {
        seen.closes.push(code);
        seen.delays = seen.delays || [];
        seen.delays.push(socket.reconnectLater());
      },
      onRetryDue: () => socket.connect(),
      onSilence: () => (seen.silences += 1),
      onTick: () => (seen.ticks += 1),
      ...extra,
    },
    options,
  );
  return { socket, seen };
}

test("opens /ws on the page's host and sends JSON while open", () => {
  const { socket, seen } = reconnecting();
  socket.connect();
  const ws = FakeWebSocket.made[0];
  assert.equal(ws.url, "ws://bridge.test:8080/ws");
  assert.equal(socket.send({ type: "x" }), false); // not open yet
  ws.open();
  assert.equal(seen.opened, 1);
  assert.equal(socket.send({ type: "x" }), true);
  ws.receive({ type: "ready" });
  assert.deepEqual(seen.messages, [{ type: "ready" }]);
});

test("pings every 20 s while open", () => {
  const { socket } = reconnecting();
  socket.connect();
  const ws = FakeWebSocket.made[0];
  ws.open();
  mock.timers.tick(40_000);
  assert.deepEqual(ws.sent, [{ type: "ping" }, { type: "ping" }]);
});

test("reconnects after 1, 2, 4, 8, 15, 15 s, and from 1 s again once reset", () => {
  const { socket, seen } = reconnecting();
  socket.connect();
  for (let i = 0; i < 6; i += 1) {
    FakeWebSocket.made.at(-1).drop(1006);
    const waits = FakeWebSocket.made.length;
    mock.timers.tick(seen.delays.at(-1) * 1000 - 1);
    assert.equal(FakeWebSocket.made.length, waits, "not before its time");
    mock.timers.tick(1);
    assert.equal(FakeWebSocket.made.length, waits + 1);
  }
  assert.deepEqual(seen.delays, [1, 2, 4, 8, 15, 15]);
  socket.resetBackoff();
  FakeWebSocket.made.at(-1).drop(1006);
  assert.equal(seen.delays.at(-1), 1);
});

test("counts down to the retry and ticks every second meanwhile", () => {
  const { socket, seen } = reconnecting({ onClose: () => socket.retryIn(5_000) });
  socket.connect();
  FakeWebSocket.made[0].drop(1006);
  assert.equal(socket.retrying, true);
  assert.equal(socket.secondsToRetry(), 5);
  mock.timers.tick(2_500);
  assert.equal(socket.secondsToRetry(), 3);
  assert.equal(seen.ticks, 2);
  socket.clearRetry();
  assert.equal(socket.retrying, false);
  assert.equal(socket.secondsToRetry(), null);
});

test("events of a closed attempt are ignored", () => {
  const { socket, seen } = reconnecting();
  const first = socket.connect();
  const old = FakeWebSocket.made[0];
  socket.connect();
  assert.equal(socket.isCurrent(first), false);
  old.open();
  old.receive({ type: "late" });
  old.drop(1006);
  assert.equal(seen.opened, 0);
  assert.deepEqual(seen.messages, []);
  assert.deepEqual(seen.closes, []);
  assert.equal(old.readyState, FakeWebSocket.CLOSED);
});

test("silence after opening is reported once; any message ends the wait", () => {
  const { socket, seen } = reconnecting({}, { silenceMs: 10_000 });
  socket.connect();
  mock.timers.tick(10_000);
  assert.equal(seen.silences, 1);
  socket.connect();
  FakeWebSocket.made.at(-1).open();
  FakeWebSocket.made.at(-1).receive({ type: "joined" });
  mock.timers.tick(20_000);
  assert.equal(seen.silences, 1);
});
