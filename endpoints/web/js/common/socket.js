/*
 * socket.js — the one WebSocket to the bridge (/ws) a page keeps, and its retries.
 *
 * Both pages use it the same way: `connect()` opens a fresh socket (closing any old one),
 * `send(message)` sends JSON while it is open, a `ping` goes every 20 s, and the page decides
 * on each close what comes next: `reconnectLater()` (after the backoff: 1, 2, 4, 8, 15… s),
 * `retryIn(ms)` (a fixed wait, e.g. a session not open yet) or nothing (a final state).
 * While a retry waits, `retryAt` is its time and `onTick` is called every second (for the
 * countdown on screen); when it is due, `onRetryDue` runs (the page's own connect, which
 * may set up more than the socket).
 *
 * Every attempt has a generation number; events of older attempts are dropped, and a page
 * ties its own callbacks (peer connections, timers) to `generation` through `isCurrent(gen)`.
 */

import { Backoff } from "./backoff.js";

export const PING_INTERVAL_MS = 20_000;

export function socketUrl() {
  return `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/ws`;
}

export class ReconnectingSocket {
  /**
   * handlers: onOpen(), onMessage(message), onClose(code), onRetryDue(), onTick(), and
   * onSilence() when `silenceMs` is given: no word from the bridge that long after opening.
   * On a cut network a socket neither opens nor fails (its handshake is silently lost and
   * retried by the system, ever more slowly), so a page that must come back by itself sets it.
   */
  constructor(handlers, { silenceMs = null, pingMs = PING_INTERVAL_MS, backoff } = {}) {
    this.handlers = handlers;
    this.silenceMs = silenceMs;
    this.pingMs = pingMs;
    this.backoff = backoff || new Backoff();
    this.generation = 0;
    this.ws = null;
    this.retryAt = null;
    this.retryTimer = null;
    this.countdownTimer = null;
    this.pingTimer = null;
    this.silenceTimer = null;
  }

  isCurrent(gen) {
    return gen === this.generation;
  }

  /** Open a new socket (the old one, if any, is closed first); returns its generation. */
  connect() {
    this.clearRetry();
    this.close();
    const gen = ++this.generation;
    const ws = new WebSocket(socketUrl());
    this.ws = ws;
    if (this.silenceMs !== null) {
      this.silenceTimer = setTimeout(() => {
        if (this.isCurrent(gen)) this.handlers.onSilence?.();
      }, this.silenceMs);
    }
    ws.addEventListener("open", () => {
      if (!this.isCurrent(gen)) return;
      this.handlers.onOpen?.();
      this.pingTimer = setInterval(() => this.send({ type: "ping" }), this.pingMs);
    });
    ws.addEventListener("message", (event) => {
      if (!this.isCurrent(gen)) return;
      clearTimeout(this.silenceTimer);
      let message;
      try {
        message = JSON.parse(event.data);
      } catch {
        return;
      }
      this.handlers.onMessage?.(message);
    });
    ws.addEventListener("close", (event) => {
      if (!this.isCurrent(gen)) return;
      this.stopTimers();
      this.ws = null;
      this.handlers.onClose?.(event.code);
    });
    return gen;
  }

  send(message) {
    if (this.ws && this.ws.readyState === WebSocket.OPEN) {
      this.ws.send(JSON.stringify(message));
      return true;
    }
    return false;
  }

  /** Close the current socket; later events of this attempt are ignored. */
  close() {
    this.stopTimers();
    this.generation += 1;
    const ws = this.ws;
    this.ws = null;
    if (ws && (ws.readyState === WebSocket.CONNECTING || ws.readyState === WebSocket.OPEN)) {
      ws.close(1000);
    }
  }

  stopTimers() {
    clearInterval(this.pingTimer);
    clearTimeout(this.silenceTimer);
    this.pingTimer = null;
    this.silenceTimer = null;
  }

  /** Run `onRetryDue` after `delayMs`, ticking every second meanwhile. */
  retryIn(delayMs) {
    this.clearRetry();
    this.retryAt = Date.now() + delayMs;
    this.retryTimer = setTimeout(() => this.handlers.onRetryDue?.(), delayMs);
    this.countdownTimer = setInterval(() => this.handlers.onTick?.(), 1000);
  }

  /** Retry after the backoff's next wait; returns that wait in seconds. */
  reconnectLater() {
    const delayS = this.backoff.next();
    this.retryIn(delayS * 1000);
    return delayS;
  }

  /** A connection worked: the next failure waits the shortest time again. */
  resetBackoff() {
    this.backoff.reset();
  }

  get retrying() {
    return this.retryTimer !== null;
  }

  /** Seconds until the waiting retry (rounded up), or null when none waits. */
  secondsToRetry(now = Date.now()) {
    return this.retryAt ? Math.max(0, Math.ceil((this.retryAt - now) / 1000)) : null;
  }

  clearRetry() {
    clearTimeout(this.retryTimer);
    clearInterval(this.countdownTimer);
    this.retryTimer = null;
    this.countdownTimer = null;
    this.retryAt = null;
  }
}
