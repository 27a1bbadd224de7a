/*
 * seen.js — whose picture this hall sees, by the bridge's rule (docs/protocol.md, "Video:
 * who sees what"; bridge/conference/shown.py, `source_for`), so the page can name it before
 * and while the picture arrives. Pure: tests/web/js/site-seen.test.mjs.
 */

/**
 * The id of the site whose picture `ownId` sees, or null when there is none to see.
 *   shown   the last `shown` event ({site_id, previous}), or null before the first one
 *   hostId  the session's host site
 *   roster  site entries in roster order ({id, state})
 * Everyone sees the shown site; the shown site sees the host; the host, when it is itself
 * shown, sees the site shown before it — or, when none was shown before (the start of a
 * session), the first other connected site in roster order, never nothing while another
 * hall is there.
 */
export function seenSiteId(shown, ownId, hostId, roster) {
  const shownId = shown ? shown.site_id : (hostId ?? null);
  if (shownId === null || shownId !== ownId) return shownId;
  if (ownId !== hostId) return hostId ?? null;
  if (shown && shown.previous != null) return shown.previous;
  const other = (roster || []).find((s) => s.id !== ownId && s.state === "connected");
  return other ? other.id : null;
}
