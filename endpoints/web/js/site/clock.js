/*
 * clock.js — the hall's clock (display.clock): HH:MM, 24-hour, as Vietnamese write it,
 * big enough to read from the back of a hall. It ticks on the minute, not every second.
 */

import { dom } from "./elements.js";

let timer = null;

/** "07:05": hours and minutes, two digits each, local time. */
export function clockText(date) {
  const two = (n) => String(n).padStart(2, "0");
  return `${two(date.getHours())}:${two(date.getMinutes())}`;
}

function tick() {
  const now = new Date();
  dom.clock.textContent = clockText(now);
  dom.clock.dateTime = now.toISOString();
  // The next minute boundary, a little after it (a timer may fire a few ms early).
  const wait = 60_000 - (now.getSeconds() * 1000 + now.getMilliseconds()) + 50;
  timer = setTimeout(tick, Math.min(60_050, Math.max(50, wait)));
}

export function showClock(on) {
  clearTimeout(timer);
  timer = null;
  dom.clock.hidden = !on;
  if (on) tick();
}
