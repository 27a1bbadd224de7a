// The readiness board's pure rules (endpoints/web/js/console/readiness-rows.js and
// readiness-figures.js): rows merged from messages, the counts, the sorts, the figures.
import assert from "node:assert/strict";
import { test } from "node:test";

import {
  countStates,
  DEFAULT_SORT,
  formatSort,
  mergeRows,
  nextSort,
  normalizeRow,
  parseSort,
  sortRows,
  STATES,
  trendOldestFirst,
  worstReason,
} from "../../../endpoints/web/js/console/readiness-rows.js";
import {
  bitrateFit,
  detailFigures,
  figureTexts,
  number,
  pair,
  reasonText,
  adviceText,
  speakerKey,
  timeText,
} from "../../../endpoints/web/js/console/readiness-figures.js";

const row = (site_id, state, figures = null, extra = {}) => ({
  site_id,
  name: `Điểm cầu tỉnh Tỉnh ${site_id}`,
  level: "province",
  position: site_id,
  state,
  at: figures ? "2026-12-01T07:05:00Z" : null,
  source: figures ? "hall" : null,
  figures,
  reasons: [],
  unmeasured: [],
  trend: [],
  ...extra,
});
const ids = (rows) => rows.map((r) => r.site_id);

const ROWS = [
  row(1, "ready", { rtt_ms: 40, uplink_kbps: 3000, needed_kbps: 1200, mos: 4.3 }),
  row(2, "not_tested"),
  row(3, "not_ready", { rtt_ms: 450, uplink_kbps: 900, needed_kbps: 1200, mos: 2.9 }),
  row(4, "warning", { rtt_ms: 250, uplink_kbps: 1500, needed_kbps: 1200, mos: 3.5 }),
  row(5, "testing"),
  row(6, "ready", { rtt_ms: 20, uplink_kbps: 5000, needed_kbps: 1200, mos: 4.4 }),
  row(7, "not_ready", { rtt_ms: 60, uplink_kbps: null, needed_kbps: 1200, mos: null }),
];

test("by default the most severe first: not ready, warning, testing, not tested, ready", () => {
  assert.deepEqual(STATES, ["not_ready", "warning", "testing", "not_tested", "ready"]);
  assert.deepEqual(ids(sortRows(ROWS)), [3, 7, 4, 5, 2, 1, 6]);
  assert.deepEqual(ids(sortRows(ROWS, DEFAULT_SORT)), [3, 7, 4, 5, 2, 1, 6]);
  // the other way: ready first; equal states keep the roster's order
  assert.deepEqual(ids(sortRows(ROWS, { key: "state", dir: "desc" })), [1, 6, 2, 5, 4, 3, 7]);
  assert.deepEqual(ids(sortRows(ROWS, { key: "nonsense", dir: "asc" })), [3, 7, 4, 5, 2, 1, 6]);
});

test("a figure's sort: rows without it last, whichever the direction", () => {
  assert.deepEqual(ids(sortRows(ROWS, { key: "rtt", dir: "desc" })), [3, 4, 7, 1, 6, 5, 2]);
  assert.deepEqual(ids(sortRows(ROWS, { key: "rtt", dir: "asc" })), [6, 1, 7, 4, 3, 5, 2]);
  assert.deepEqual(ids(sortRows(ROWS, { key: "mos", dir: "asc" })), [3, 4, 1, 6, 7, 5, 2]);
  // the uplink against what the profile needs: the shortest first
  assert.deepEqual(ids(sortRows(ROWS, { key: "uplink", dir: "asc" })), [3, 4, 1, 6, 7, 5, 2]);
  // ties broken by state severity, then the roster position
  assert.deepEqual(ids(sortRows(ROWS, { key: "position", dir: "desc" })), [7, 6, 5, 4, 3, 2, 1]);
});

test("by name: the place in Vietnamese order, the prefix ignored", () => {
  const rows = [
    row(1, "ready", null, { name: "Điểm cầu tỉnh Quảng Trị" }),
    row(2, "ready", null, { name: "Điểm cầu thành phố Đà Nẵng" }),
    row(3, "ready", null, { name: "Điểm cầu tỉnh An Giang" }),
    row(4, "ready", null, { name: "Điểm cầu tỉnh Bắc Giang" }),
  ];
  assert.deepEqual(ids(sortRows(rows, { key: "name", dir: "asc" })), [3, 4, 2, 1]);
  assert.deepEqual(ids(sortRows(rows, { key: "name", dir: "desc" })), [1, 2, 4, 3]);
});

test("the loudspeaker sort: not heard, then not verified, then heard", () => {
  const rows = [
    row(1, "ready", { speaker_loop_verified: true }),
    row(2, "warning", { speaker_loop_verified: null }),
    row(3, "not_ready", { speaker_loop_verified: false }),
    row(4, "not_tested"),
  ];
  assert.deepEqual(ids(sortRows(rows, { key: "speaker", dir: "asc" })), [3, 2, 1, 4]);
});

test("a header click: its worst-first direction, then the other way", () => {
  assert.deepEqual(nextSort(DEFAULT_SORT, "rtt"), { key: "rtt", dir: "desc" });
  assert.deepEqual(nextSort({ key: "rtt", dir: "desc" }, "rtt"), { key: "rtt", dir: "asc" });
  assert.deepEqual(nextSort({ key: "rtt", dir: "asc" }, "mos"), { key: "mos", dir: "asc" });
  assert.deepEqual(nextSort(DEFAULT_SORT, "state"), { key: "state", dir: "desc" });
  assert.deepEqual(nextSort(DEFAULT_SORT, "reason"), DEFAULT_SORT); // not sortable
});

test("the sort as localStorage keeps it", () => {
  assert.equal(formatSort({ key: "rtt", dir: "desc" }), "rtt:desc");
  assert.deepEqual(parseSort("rtt:desc"), { key: "rtt", dir: "desc" });
  assert.deepEqual(parseSort(null), DEFAULT_SORT);
  assert.deepEqual(parseSort("rtt:sideways"), DEFAULT_SORT);
  assert.deepEqual(parseSort("drop table:asc"), DEFAULT_SORT);
});

test("the counts: every state, an unknown one as not tested", () => {
  assert.deepEqual(countStates(ROWS), {
    not_ready: 2,
    warning: 1,
    testing: 1,
    not_tested: 1,
    ready: 2,
    total: 7,
  });
  assert.deepEqual(countStates([]), {
    not_ready: 0, warning: 0, testing: 0, not_tested: 0, ready: 0, total: 0,
  }); // prettier-ignore
  assert.equal(normalizeRow({ site_id: 9, state: "excellent" }).state, "not_tested");
});

test("a message's rows merged in: replaced whole, a field left out kept, only changes named", () => {
  const first = mergeRows(new Map(), ROWS);
  assert.equal(first.rows.size, 7);
  assert.deepEqual(first.changed, [1, 2, 3, 4, 5, 6, 7]);
  const trend = [{ session_id: 4, finished_at: "2026-11-20T07:00:00Z", state: "ready", mos: 4.2 }];
  const withTrend = mergeRows(first.rows, [{ ...ROWS[1], trend }]).rows;
  const next = mergeRows(withTrend, [
    { site_id: 2, state: "testing" },
    { ...ROWS[0] }, // unchanged
    { site_id: "x" }, // no site id: dropped
    null,
  ]);
  assert.deepEqual(next.changed, [2]);
  assert.equal(next.rows.get(2).state, "testing");
  assert.deepEqual(next.rows.get(2).trend, trend); // kept: the message left it out
  assert.equal(next.rows.get(2).name, ROWS[1].name);
  assert.equal(first.rows.get(2).state, "not_tested"); // the old map is not touched
  const added = mergeRows(next.rows, [{ site_id: 99, state: "ready" }]);
  assert.deepEqual(added.changed, [99]);
  assert.equal(added.rows.get(99).name, "#99");
  assert.deepEqual(added.rows.get(99).reasons, []);
});

test("the row's reason: the most severe; the trend oldest first, at most five", () => {
  const reasons = [
    { code: "rtt_high", severity: "warning", vi: "trễ", en: "slow" },
    { code: "mic_no_signal", severity: "not_ready", vi: "micrô không có tín hiệu", en: "no mic" },
  ];
  assert.equal(worstReason({ reasons }).code, "mic_no_signal");
  assert.equal(worstReason({ reasons: reasons.slice(0, 1) }).code, "rtt_high");
  assert.equal(worstReason({ reasons: [] }), null);
  const trend = [1, 2, 3, 4, 5, 6].map((n) => ({ session_id: n }));
  assert.deepEqual(trendOldestFirst({ trend }).map((x) => x.session_id), [5, 4, 3, 2, 1]);
  assert.deepEqual(trendOldestFirst({}), []);
});

test("numbers in the console's language; a figure not measured is a dash", () => {
  assert.equal(number(1850, "vi"), "1.850");
  assert.equal(number(1850, "en"), "1,850");
  assert.equal(number(0.54, "vi", 1), "0,5");
  assert.equal(number(0.54, "en", 1), "0.5");
  assert.equal(number(-0.01, "vi", 1), "0,0");
  assert.equal(number(null, "vi"), "–");
  assert.equal(number(Number.NaN, "vi"), "–");
  assert.equal(pair(0.5, 0.2, "vi", 1), "0,5 / 0,2");
  assert.equal(pair(null, 0.2, "vi", 1), "– / 0,2");
  assert.equal(pair(null, undefined, "vi", 1), "–");
});

test("times in Vietnam time, the date after the time in Vietnamese", () => {
  assert.equal(timeText("2026-12-01T07:05:00Z", "vi"), "14:05 01/12");
  assert.equal(timeText("2026-12-01T17:30:00Z", "vi"), "00:30 02/12");
  assert.equal(timeText("2026-12-01T07:05:00Z", "en"), "01/12 14:05");
  assert.equal(timeText(null, "vi"), "–");
  assert.equal(timeText("not a time", "vi"), "–");
});

test("the row's figures as the board writes them", () => {
  const f = figureTexts(
    {
      rtt_ms: 48.4,
      loss_in_pct: 0.5,
      loss_out_pct: 2.25,
      jitter_in_ms: 6,
      jitter_out_ms: 31.6,
      uplink_kbps: 1750,
      downlink_kbps: 900,
      needed_kbps: 1200,
      mic_level_db: -32.4,
      speaker_loop_verified: null,
      mos: 4.26,
    },
    "vi",
  );
  assert.deepEqual(f, {
    rtt: "48",
    loss: "0,5 / 2,3",
    jitter: "6 / 32",
    uplink: "1.750",
    downlink: "900",
    needed: "1.200",
    mic: "-32",
    mos: "4,3",
    uplinkFit: "tight",
    downlinkFit: "short",
    speakerKey: "console.readiness.speaker.unverified",
  });
  const none = figureTexts(null, "en");
  assert.equal(none.rtt, "–");
  assert.equal(none.loss, "–");
  assert.equal(none.speakerKey, "console.readiness.speaker.none");
  assert.equal(none.uplinkFit, null);
});

test("the bitrate against the profile: short, tight under 1.5×, ok", () => {
  assert.equal(bitrateFit(1199, 1200), "short");
  assert.equal(bitrateFit(1200, 1200), "tight");
  assert.equal(bitrateFit(1799, 1200), "tight");
  assert.equal(bitrateFit(1800, 1200), "ok");
  assert.equal(bitrateFit(1800, null), null);
  assert.equal(bitrateFit(null, 1200), null);
});

test("the loudspeaker: heard, not heard, not verified", () => {
  assert.equal(speakerKey({ speaker_loop_verified: true }), "console.readiness.speaker.verified");
  assert.equal(speakerKey({ speaker_loop_verified: false }), "console.readiness.speaker.not_heard");
  assert.equal(speakerKey({}), "console.readiness.speaker.unverified");
  assert.equal(speakerKey(null), "console.readiness.speaker.none");
});

test("a reason in the console's language, Vietnamese when there is no other", () => {
  const reason = {
    code: "mic_no_signal",
    vi: "micrô không có tín hiệu",
    en: "the microphone has no signal",
    advice_vi: "kiểm tra cáp micrô và bộ trộn âm",
    advice_en: "check the microphone cable and the mixer",
  };
  assert.equal(reasonText(reason, "vi"), "micrô không có tín hiệu");
  assert.equal(reasonText(reason, "en"), "the microphone has no signal");
  assert.equal(adviceText(reason, "en"), "check the microphone cable and the mixer");
  assert.equal(reasonText({ code: "x", vi: "chỉ tiếng Việt" }, "en"), "chỉ tiếng Việt");
  assert.equal(reasonText(null, "vi"), "");
});

test("the detail lists every figure, a unit only beside a value", () => {
  const list = detailFigures({ rtt_ms: 40, camera_width: 1280, camera_height: 720, camera_fps: 25 }, "vi");
  assert.equal(list.length, 20);
  const byKey = Object.fromEntries(list.map((x) => [x.key.split(".").pop(), x]));
  assert.deepEqual(byKey.rtt, { key: "console.readiness.f.rtt", text: "40", unit: "ms" });
  assert.deepEqual(byKey.jitter, { key: "console.readiness.f.jitter", text: "–", unit: "" });
  assert.equal(byKey.camera.text, "1280 × 720 @ 25");
  assert.deepEqual(byKey.turn.text, { key: null });
});
