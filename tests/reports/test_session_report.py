"""The session report's pure builder and its drawings: the timeline's cells, the staff's
actions (not the halls' joins), the summaries of a session; the printable page for 100
halls — four timeline charts of 25 rows, every name whole and escaped, no script — and
the CSV's lines."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta

from bridge.attendance import Interval, RollCall, RollCallMark, SiteAttendance
from bridge.reports.csv_export import session_csv
from bridge.reports.html import ROWS_PER_CHART, render_session_html
from bridge.reports.session_report import ReportSession, session_report, staff_actions, timeline
from bridge.reports.summaries import agency_of, summarise
from bridge.reports.windows import QualityWindow
from bridge.store import Session, SessionState, Site, SiteLevel
from bridge.store.records import AuditEntry

T0 = datetime(2026, 11, 30, 1, 0, tzinfo=UTC)
TZ = "Asia/Ho_Chi_Minh"


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def window(site_id: int, seconds: float, grade: str, mos: float | None = 4.0) -> QualityWindow:
    return QualityWindow(1, site_id, at(seconds), 20, 1, 1, 50, 5, 5, 0, grade, mos)


def described(n_end: float = 3600) -> ReportSession:
    return ReportSession(
        1, "Giao ban <quý>", "closed", 1, "Hội trường", "op", "Tỉnh", T0, at(n_end), True, 0.85, T0
    )


def test_the_timeline_has_a_cell_per_20_s_and_a_row_per_hall() -> None:
    windows = [window(2, 0, "good"), window(2, 25, "poor"), window(3, 3590, "fair")]
    windows.append(window(9, 0, "poor"))  # not on the roster: not drawn
    found = timeline(T0, at(3600), [2, 3, 4], windows)
    assert found["cells"] == 180
    rows = {r["site_id"]: r["cells"] for r in found["rows"]}
    assert rows[2][:3] == "gp." and rows[3][-1] == "f" and set(rows[4]) == {"."}
    assert timeline(T0, T0, [2], windows)["cells"] == 0  # a session of no length


def test_operators_actions_are_the_staffs_not_the_halls() -> None:
    entries = [
        AuditEntry(1, 1, at(5), "site:2", "join", {"site_id": 2, "state": "connecting"}),
        AuditEntry(2, 1, at(9), "account:op", "mute", {"site_id": 2, "muted": True}),
        AuditEntry(3, 1, at(1), "account:office", "open_session", {}),
        AuditEntry(4, 1, at(9), "system", "live_open", {}),
    ]
    assert staff_actions(entries) == [
        {"at": at(1).isoformat(), "by": "office", "action": "open_session"},
        {"at": at(9).isoformat(), "by": "op", "action": "mute", "site_id": 2},
    ]


def hundred() -> tuple[list[Site], list[SiteAttendance], list[QualityWindow]]:
    sites = [Site(1, "Hội trường Trung ương", SiteLevel.CENTRAL, None, T0)]
    sites += [
        Site(
            i,
            f"Điểm cầu xã {i} thuộc huyện miền núi phía Bắc rất dài <&>"
            if i % 10 == 0
            else f"Điểm cầu huyện {i}",
            SiteLevel.DISTRICT,
            1,
            T0,
        )
        for i in range(2, 101)
    ]
    attendance = [
        SiteAttendance(
            s.id,
            (Interval(T0, at(1800)), Interval(at(1900), at(3600))),
            connected_s=3500,
            first_join=T0,
            reconnections=1,
            share=3500 / 3600,
            present=True,
        )
        for s in sites
    ]
    attendance[5] = SiteAttendance(
        6, roll_call=RollCall(6, RollCallMark.ABSENT, "mất điện"), present=False
    )
    windows = [
        window(s.id, k * 20, ("good", "fair", "poor")[(s.id + k // 30) % 3])
        for s in sites
        for k in range(180)
    ]
    return sites, attendance, windows


def test_a_hundred_halls_print_as_four_timelines_with_every_name_whole() -> None:
    sites, attendance, windows = hundred()
    report = session_report(described(), sites, attendance, windows, "1. Khai mạc", [], [], None)
    assert report["totals"] == {
        "halls": 100,
        "present": 99,
        "absent": 1,
        "connected": 99,
        "reconnections": 99,
        "windows": 100 * 180,
        "poor_windows": sum(1 for w in windows if w.grade == "poor"),
    }
    assert len(report["worst"]) == 10 and all(w["grade"] == "poor" for w in report["worst"])
    page = render_session_html(report, TZ, "VĂN PHÒNG UBND TỈNH")
    assert "<script" not in page and " style=" not in page
    charts = re.findall(r'<svg class="timeline".*?</svg>', page, re.S)
    assert len(charts) == 100 // ROWS_PER_CHART == 4
    for chart in charts:
        assert chart.count('class="tl-name"') == ROWS_PER_CHART
    # Every name whole, escaped, in the table and the charts; a long one set narrower.
    long = "Điểm cầu xã 10 thuộc huyện miền núi phía Bắc rất dài &lt;&amp;&gt;"
    assert page.count(long) == 3  # attendance, quality, timeline
    assert re.search(r'textLength="\d+" lengthAdjust="spacingAndGlyphs">' + re.escape(long), page)
    assert "Giao ban &lt;quý&gt;" in page and "Vắng (mất điện)" in page
    assert "08:00–08:30<br>08:31–09:00" in page  # joins and leaves in office time
    # Runs of one grade are one bar, not one rectangle per cell.
    assert charts[0].count("<rect") <= 25 * (1 + 6)


def test_the_csv_has_a_line_per_hall_in_either_language() -> None:
    sites, attendance, windows = hundred()
    report = session_report(described(), sites, attendance, windows, "", [], [], None)
    for lang, head, absent in (("vi", "Điểm cầu", "Vắng"), ("en", "Site", "Absent")):
        table = list(csv.reader(io.StringIO(session_csv(report, lang, TZ))))
        assert table[0][1] == head and len(table) == 101
        assert table[6][10] == absent and table[6][11] in ("Không", "No")
        assert table[2][4] == "08:00–08:30; 08:31–09:00"


def test_a_session_summary_counts_its_halls_and_windows() -> None:
    session = Session(5, "Phiên", 2, SessionState.CLOSED, T0, (2, 3), organiser_id=7)
    attendance = [
        SiteAttendance(2, connected_s=3000, present=True, late_s=60, reconnections=2),
        SiteAttendance(3),
    ]
    windows = [window(2, 0, "poor", 2.0), window(2, 20, "good", 4.0), window(2, 40, "good", None)]
    summary, rows = summarise(session, "Tỉnh A", True, T0, at(3600), attendance, windows)
    assert summary.held_online and summary.booked and summary.halls == 2
    assert summary.length_s == 3600 and summary.organiser_id == 7
    two, three = rows
    assert (two.windows, two.poor_windows, two.mos_windows, two.mean_mos) == (3, 1, 2, 3.0)
    assert (two.present, two.late_s, two.reconnections) == (True, 60, 2)
    assert (three.windows, three.mean_mos, three.present) == (0, None, False)
    nobody = summarise(session, "", False, T0, at(10), [SiteAttendance(2)], [])[0]
    assert not nobody.held_online


def test_the_agency_is_the_host_sites_province() -> None:
    sites = {
        1: Site(1, "Trung ương", SiteLevel.CENTRAL, None, T0),
        2: Site(2, "Tỉnh Lào Cai", SiteLevel.PROVINCE, 1, T0),
        3: Site(3, "Huyện Bát Xát", SiteLevel.DISTRICT, 2, T0),
        4: Site(4, "Xã Y Tý", SiteLevel.COMMUNE, 3, T0),
    }
    assert [agency_of(i, sites) for i in (1, 2, 3, 4)] == [
        "Trung ương",
        "Tỉnh Lào Cai",
        "Tỉnh Lào Cai",
        "Tỉnh Lào Cai",
    ]
    assert agency_of(99, sites) == ""
