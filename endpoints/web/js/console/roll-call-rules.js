/*
 * roll-call-rules.js — the roll call's pure rules (roll_call.js draws the panel): the marks,
 * a mark's body as PUT /api/sessions/{id}/roll-call/{site_id} takes it, whether a hall
 * counts as present (its mark decides when it has one, as bridge/attendance/build.py does),
 * and a share of the session said in percent.
 */

export const MARKS = ["present", "absent", "elsewhere"];

/** The body of a mark as the API takes it (what a mark does not use is left out). */
export function markBody(mark, reason, atSiteId) {
  if (mark === "absent") return { mark, reason: reason.trim() };
  if (mark === "elsewhere") return { mark, at_site_id: atSiteId === null ? null : atSiteId };
  return { mark };
}

/** Whether a hall counts as present: its mark when it has one, else what was measured. */
export function presentNow(measuredPresent, mark) {
  if (mark === "absent") return false;
  if (mark === "present" || mark === "elsewhere") return true;
  return Boolean(measuredPresent);
}

/** "92 %" of a share 0..1, or a dash. */
export function shareText(share) {
  return typeof share === "number" ? `${Math.round(share * 100)} %` : "—";
}
