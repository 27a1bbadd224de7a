// The office page's notice rules (endpoints/web/js/office/notice-model.js): every hall's
// receipt in the organiser's order, and where a refusal of the posting form is shown.
import assert from "node:assert/strict";
import { test } from "node:test";

import {
  KIND_KEYS,
  NOTICE_KINDS,
  receiptRows,
  refusalPlace,
} from "../../../endpoints/web/js/office/notice-model.js";

test("every hall of a notice: readers first, first reader first, then the rest in roster order", () => {
  const notice = {
    reads: [
      { site_id: 7, read_at: "2026-12-02T09:10:00+00:00" },
      { site_id: 3, read_at: "2026-12-02T09:05:00+00:00" },
    ],
    unread_site_ids: [9, 1],
  };
  assert.deepEqual(receiptRows(notice), [
    { siteId: 3, readAt: "2026-12-02T09:05:00+00:00" },
    { siteId: 7, readAt: "2026-12-02T09:10:00+00:00" },
    { siteId: 9, readAt: null },
    { siteId: 1, readAt: null },
  ]);
  assert.deepEqual(receiptRows({}), []);
});

test("a refusal goes next to the field it names; the document's refusals in our words", () => {
  assert.deepEqual(refusalPlace({ code: "file_too_large", field: "file" }), { field: "file", own: true });
  assert.deepEqual(refusalPlace({ code: "unsupported_file_type", field: "file" }), { field: "file", own: true });
  assert.deepEqual(refusalPlace({ code: "invalid_input", field: "title" }), { field: "title", own: false });
  assert.deepEqual(refusalPlace({ code: "invalid_input", field: "kind" }), { field: "kind", own: false });
  // Not a field of the form (the content type, an unknown part) or no field: above the button.
  assert.deepEqual(refusalPlace({ code: "invalid_input", field: "content-type" }), { field: null, own: false });
  assert.deepEqual(refusalPlace({ code: "forbidden", field: null }), { field: null, own: false });
  assert.deepEqual(refusalPlace(null), { field: null, own: false });
});

test("the four kinds the bridge takes, each with its catalogue key", () => {
  assert.deepEqual(NOTICE_KINDS, ["invitation", "agenda", "document", "other"]);
  for (const kind of NOTICE_KINDS) assert.equal(KIND_KEYS[kind], `office.notices.kind.${kind}`);
});
