/*
 * backoff.js — how long a page waits before it tries to reconnect: 1, 2, 4, 8, 15, 15… s,
 * back to 1 s once a connection works. Pure (no DOM), so `node --test` checks it.
 */

export const BACKOFF_FIRST_S = 1;
export const BACKOFF_MAX_S = 15;

export class Backoff {
  constructor({ firstS = BACKOFF_FIRST_S, maxS = BACKOFF_MAX_S } = {}) {
    this.firstS = firstS;
    this.maxS = maxS;
    this.currentS = firstS;
  }

  /** The wait before the next attempt, in seconds; each call doubles the one after. */
  next() {
    const delay = this.currentS;
    this.currentS = Math.min(this.currentS * 2, this.maxS);
    return delay;
  }

  /** A connection worked: the next failure waits the shortest time again. */
  reset() {
    this.currentS = this.firstS;
  }
}

/** The first `count` waits of a fresh backoff, e.g. [1, 2, 4, 8, 15, 15]. */
export function backoffSchedule(count, options) {
  const backoff = new Backoff(options);
  return Array.from({ length: count }, () => backoff.next());
}
