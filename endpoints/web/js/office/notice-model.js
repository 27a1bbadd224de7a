/*
 * notice-model.js — the session panel's notice rules, pure (node tests): the kinds with
 * their catalogue keys, each hall's read receipt in the order the organiser reads them,
 * and which field of the posting form a refusal names.
 */

export const NOTICE_KINDS = ["invitation", "agenda", "document", "other"];
// Literal keys, so the catalogue test finds every one.
export const KIND_KEYS = {
  invitation: "office.notices.kind.invitation",
  agenda: "office.notices.kind.agenda",
  document: "office.notices.kind.document",
  other: "office.notices.kind.other",
};
export const NOTICE_FIELDS = ["kind", "title", "body", "file"];
// The document refusals: our own words say what is accepted (the bridge's name a type list).
const FILE_CODES = new Set(["file_too_large", "unsupported_file_type"]);

/**
 * Every hall of a notice with its receipt: the halls that read it, first reader first,
 * then those that have not (in roster order), as `{siteId, readAt}` (`readAt` null).
 */
export function receiptRows(notice) {
  const read = [...(notice.reads || [])]
    .sort((a, b) => Date.parse(a.read_at) - Date.parse(b.read_at) || a.site_id - b.site_id)
    .map((r) => ({ siteId: r.site_id, readAt: r.read_at }));
  const unread = (notice.unread_site_ids || []).map((siteId) => ({ siteId, readAt: null }));
  return [...read, ...unread];
}

/**
 * Where the form shows a refusal: `{field, own}` — `field` one of the form's fields (the
 * message goes next to it) or null (above the button); `own` true when the catalogue's
 * words for the code say it better than the bridge's field message.
 */
export function refusalPlace(err) {
  const code = err && err.code;
  if (FILE_CODES.has(code)) return { field: "file", own: true };
  const field = err && NOTICE_FIELDS.includes(err.field) ? err.field : null;
  return { field, own: false };
}
