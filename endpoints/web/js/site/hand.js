/*
 * hand.js — whether a change of this hall's own site entry means an operator lowered its
 * hand, so the page can say so (the hall did not press anything and would otherwise wonder
 * where its request went). Pure: tests/web/js/site-hand.test.mjs.
 */

/** How long the page says "the operator lowered your hand". */
export const NOTICE_MS = 8_000;
/** Without `by` (an older bridge): a lowering this soon after the hall's own press is its own. */
export const OWN_PRESS_MS = 10_000;

/**
 * True when `before` → `after` (this hall's entry) lowered a raised hand and it was not the
 * hall itself: `message` is the `site`/`sites` message that carried it ({by, cause}); a
 * hand lowered because the hall was given the floor is no news of its own (the floor banner
 * says it). `ownPressAt` is when the hall last pressed "withdraw" (Date.now(), or null).
 */
export function loweredByOperator(before, after, message, ownId, ownPressAt, now) {
  if (!before || !after || !before.hand_raised || after.hand_raised) return false;
  if (message && message.cause === "give_floor") return false;
  if (message && message.by) return message.by !== `site:${ownId}`;
  return ownPressAt === null || now - ownPressAt > OWN_PRESS_MS;
}
