// The office page's pure rules (endpoints/web/js/office): office days and weeks, the
// calendar's placing of items and the halls' occupancy with clashes, the booking form's
// body and feedback lines, the debounce.
import assert from "node:assert/strict";
import { test } from "node:test";

import { bookingBody, filterSites, repeatRule } from "../../../endpoints/web/js/office/booking-body.js";
import { itemsByDay, occupancy, span } from "../../../endpoints/web/js/office/calendar-model.js";
import { debounce, feedbackLines, latestOnly } from "../../../endpoints/web/js/office/feedback.js";
import {
  monthGrid,
  officeClock,
  officeDay,
  shiftMonth,
  toInstant,
  toLocalInput,
  weekDays,
  weekdayOf,
} from "../../../endpoints/web/js/office/time.js";

test("office days are Vietnam's, weeks start on Monday, months are whole weeks", () => {
  assert.equal(officeDay("2026-12-09T17:30:00Z"), "2026-12-10"); // 00:30 the next day in Hà Nội
  assert.equal(officeClock("2026-12-10T01:00:00Z"), "08:00");
  assert.equal(weekdayOf("2026-12-07"), 0);
  assert.deepEqual(weekDays("2026-12-10"), [
    "2026-12-07", "2026-12-08", "2026-12-09", "2026-12-10", "2026-12-11", "2026-12-12", "2026-12-13",
  ]);
  const grid = monthGrid("2026-12-15");
  assert.equal(grid[0][0], "2026-11-30");
  assert.equal(grid.at(-1).at(-1), "2027-01-03");
  assert.ok(grid.every((w) => w.length === 7) && grid.length === 5);
  assert.equal(monthGrid("2026-02-10").length, 4 + 1); // Feb 2026 starts on a Sunday
  assert.equal(shiftMonth("2026-12-31", 1), "2027-01-01");
  assert.equal(shiftMonth("2026-01-15", -1), "2025-12-01");
  assert.equal(toInstant("2026-12-10T08:00"), "2026-12-10T08:00:00+07:00");
  assert.equal(toInstant(""), null);
  assert.equal(toLocalInput("2026-12-10T01:00:00+00:00"), "2026-12-10T08:00");
});

const item = (id, start, end, sites, extra = {}) => ({
  kind: "session", id, title: `Phiên ${id}`, state: "scheduled",
  starts_at: start, ends_at: end, test_from: null, test_until: null, site_ids: sites, ...extra,
});

test("items land on the days they touch, earliest first; refused bookings are not shown", () => {
  const days = weekDays("2026-12-07");
  const items = [
    item(2, "2026-12-08T07:00:00+07:00", "2026-12-08T09:00:00+07:00", [1]),
    item(1, "2026-12-08T06:00:00+07:00", "2026-12-09T10:00:00+07:00", [1]),
    item(3, "2026-12-08T06:00:00+07:00", null, [1], { kind: "booking", state: "rejected" }),
  ];
  const byDay = itemsByDay(items, days);
  assert.deepEqual(byDay.get("2026-12-08").map((i) => i.id), [1, 2]);
  assert.deepEqual(byDay.get("2026-12-09").map((i) => i.id), [1]);
  assert.deepEqual(byDay.get("2026-12-10"), []);
});

test("a hall's occupancy counts its test window, and two items on one hall at once clash", () => {
  const days = weekDays("2026-12-07");
  const sites = [{ id: 1, name: "Hội trường Trung ương" }, { id: 2, name: "Điểm cầu tỉnh Lào Cai" }, { id: 3, name: "Điểm cầu tỉnh Cà Mau" }];
  const a = item(1, "2026-12-10T08:00:00+07:00", "2026-12-10T11:00:00+07:00", [1, 2]);
  // Starts after a ends, but its test window opens while a is on: a clash at hall 2 only.
  const b = item(2, "2026-12-10T14:00:00+07:00", "2026-12-10T16:00:00+07:00", [2, 3], {
    kind: "booking", state: "requested", test_from: "2026-12-10T10:30:00+07:00",
  });
  assert.deepEqual(span(b), { from: Date.parse(b.test_from), until: Date.parse(b.ends_at) });
  const rows = occupancy([a, b], sites, days);
  assert.deepEqual(rows.map((r) => r.site_id), [1, 2, 3]);
  const clash = (siteId) => rows.find((r) => r.site_id === siteId).days.get("2026-12-10").map((c) => c.clash);
  assert.deepEqual(clash(1), [false]);
  assert.deepEqual(clash(2), [true, true]);
  assert.deepEqual(clash(3), [false]);
  const noEnd = item(3, "2026-12-10T07:00:00+07:00", null, [3]);
  assert.equal(span(noEnd).until - span(noEnd).from, 4 * 3600_000);
});

test("the form's values become the API's BookingBody; what is missing is named", () => {
  const empty = bookingBody({});
  assert.deepEqual(empty.missing, ["title", "host_site_id", "starts_at", "ends_at"]);
  const { body, missing } = bookingBody({
    title: "  Giao ban tháng 12 ", host_site_id: "1", roster: [3, 1, 2, 3],
    starts: "2026-12-10T08:00", ends: "2026-12-10T11:30", test_from: "", test_until: "",
    repeat: "weekly", lead_override_reason: "Chỉ đạo khẩn",
  }, { withRepeat: true });
  assert.deepEqual(missing, []);
  assert.deepEqual(body, {
    title: "Giao ban tháng 12", agenda: "", notes: "", host_site_id: 1, roster: [1, 3, 2],
    starts_at: "2026-12-10T08:00:00+07:00", ends_at: "2026-12-10T11:30:00+07:00",
    test_from: null, test_until: null,
    repeat: { rule: { kind: "weekly", weekday: 3 }, until: null, count: null, skip: [] },
    lead_override_reason: "Chỉ đạo khẩn",
  });
  assert.deepEqual(repeatRule({ repeat: "monthly_after", repeat_day: "20" }), {
    kind: "monthly_first_working_day_after", day: 20,
  });
  assert.deepEqual(repeatRule({ repeat: "monthly_nth", starts: "2026-12-14T08:00" }), {
    kind: "monthly_nth_weekday", n: 2, weekday: 0,
  });
  assert.equal(repeatRule({ repeat: "none" }), null);
  // Issue 14: asked to be recorded, the request says so; the check (no repeat) does not.
  const recorded = { title: "x", host_site_id: "1", starts: "2026-12-10T08:00", ends: "2026-12-10T09:00", record: true };
  assert.equal(bookingBody(recorded, { withRepeat: true }).body.record, true);
  assert.equal("record" in bookingBody(recorded).body, false);
  assert.equal("record" in bookingBody({ ...recorded, record: false }, { withRepeat: true }).body, false);
});

test("the roster filter folds case and diacritics and needs every word", () => {
  const sites = [{ id: 1, name: "Điểm cầu tỉnh Quảng Trị" }, { id: 2, name: "Điểm cầu tỉnh Quảng Ninh" }, { id: 3, name: "Điểm cầu huyện Đakrông" }];
  assert.deepEqual(filterSites(sites, "quang tri").map((s) => s.id), [1]);
  assert.deepEqual(filterSites(sites, "QUẢNG").map((s) => s.id), [1, 2]);
  assert.deepEqual(filterSites(sites, "dakrong").map((s) => s.id), [3]);
  assert.equal(filterSites(sites, "  ").length, 3);
});

test("the feedback names the earliest day and every conflicting session with its halls", () => {
  const lines = feedbackLines({
    lead_time: { ok: false, earliest_day: "2026-12-10", days: 3, short_by: 2 },
    conflicts: [{
      kind: "session", id: 9, title: "Hội nghị tổng kết năm", through_test_window: true,
      sites: [{ id: 2, name: "Điểm cầu tỉnh Lào Cai" }, { id: 3, name: "Điểm cầu tỉnh Quảng Trị" }],
      from: "2026-12-09T07:00:00+00:00", until: "2026-12-09T09:00:00+00:00",
    }],
    working_day: false, holiday: "Tết Dương lịch",
  });
  assert.deepEqual(lines.map((l) => [l.key, l.level]), [
    ["office.check.lead_short", "bad"],
    ["office.check.holiday", "warn"],
    ["office.check.conflict_window", "bad"],
  ]);
  assert.deepEqual(lines[0].params, { days: 3, earliest: "10/12/2026", short: 2 });
  assert.deepEqual(lines[2].params, {
    title: "Hội nghị tổng kết năm", halls: "Điểm cầu tỉnh Lào Cai; Điểm cầu tỉnh Quảng Trị",
    from: "14:00 09/12/2026", until: "16:00 09/12/2026",
  });
  const fine = feedbackLines({ lead_time: { ok: true, earliest_day: "2026-12-10", days: 3, short_by: 0 }, conflicts: [], working_day: true, holiday: null });
  assert.deepEqual(fine.map((l) => l.key), ["office.check.lead_ok", "office.check.no_conflict"]);
});

test("the debounce runs once with the latest arguments; only the newest answer counts", () => {
  const timers = { now: 0, queue: [], setTimeout(fn, ms) { this.queue.push({ fn, at: this.now + ms }); return this.queue.length; }, clearTimeout(h) { if (this.queue[h - 1]) this.queue[h - 1].fn = null; } };
  const calls = [];
  const run = debounce((x) => calls.push(x), 400, timers);
  run(1); run(2); run(3);
  for (const entry of timers.queue) if (entry.fn) entry.fn();
  assert.deepEqual(calls, [3]);
  run(4);
  run.cancel();
  for (const entry of timers.queue) if (entry.fn) entry.fn();
  assert.deepEqual(calls, [3]);
  const latest = latestOnly();
  const first = latest.next();
  const second = latest.next();
  assert.equal(latest.isCurrent(first), false);
  assert.equal(latest.isCurrent(second), true);
});

test("booking times read in office time, to the minute", async () => {
  const { officeSpan, officeWhen } = await import("../../../endpoints/web/js/office/time.js");
  assert.equal(officeWhen("2026-12-10T01:00:00Z"), "08:00 10/12/2026");
  assert.equal(officeSpan("2026-12-10T01:00:00Z", "2026-12-10T04:30:00Z"), "08:00–11:30 10/12/2026");
  assert.equal(
    officeSpan("2026-12-10T16:30:00Z", "2026-12-11T01:00:00Z"),
    "23:30 10/12/2026 – 08:00 11/12/2026",
  );
  assert.equal(officeSpan("2026-12-10T01:00:00Z", null), "08:00 10/12/2026");
});
