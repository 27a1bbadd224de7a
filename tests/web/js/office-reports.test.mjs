// The office page's reports tab (endpoints/web/js/office/report-model.js): the period's
// query, the quarter of a day, percentages as shown.
import assert from "node:assert/strict";
import { test } from "node:test";

import { percent, periodQuery, quarterOf } from "../../../endpoints/web/js/office/report-model.js";

test("a quarter or a range becomes the report's query", () => {
  assert.equal(periodQuery({ mode: "quarter", year: "2026", quarter: "3" }), "quarter=2026-Q3");
  assert.equal(
    periodQuery({ mode: "range", from: "2026-07-01", to: "2026-09-30", year: "2026", quarter: "1" }),
    "from=2026-07-01&to=2026-09-30",
  );
});

test("the quarter of a day and a share as a percentage", () => {
  assert.deepEqual([0, 2, 3, 8, 9, 11].map((m) => quarterOf(new Date(2026, m, 15))), [1, 1, 2, 3, 4, 4]);
  assert.equal(percent(0.85), "85.0 %");
  assert.equal(percent(null), "—");
});
