"""The period report's aggregation against a brute-force recomputation (hypothesis): for
random sessions and halls, every figure — totals, per hall, per organiser, per agency,
per month, the repeated problems — equals what a plain scan of the rows gives. Then the
period's days (quarters, ranges, office time) and the summaries' round trip through a
real SQLite file, its range bounds and an organiser's filter."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bridge.reports.period import Period, PeriodError, date_range, period_report, quarter
from bridge.reports.summaries import SessionSummary, SiteSessionSummary
from bridge.store import SiteLevel, Store

TZ = "Asia/Ho_Chi_Minh"
ZONE = ZoneInfo(TZ)
ORIGIN = datetime(2026, 6, 1, tzinfo=UTC)
NAMES = {i: f"Điểm cầu {i}" for i in range(1, 7)}
ORGANISERS = {1: "a", 2: "b"}


@st.composite
def world(draw: st.DrawFn) -> tuple[list[SessionSummary], list[SiteSessionSummary]]:
    sessions, rows = [], []
    for sid in range(1, draw(st.integers(0, 12)) + 1):
        length = float(draw(st.sampled_from((0, 1800, 3600, 7200))))
        halls = draw(st.lists(st.integers(1, 6), unique=True, max_size=6))
        site_rows = []
        for hall in halls:
            windows = draw(st.integers(0, 30))
            mos_windows = draw(st.integers(0, windows))
            site_rows.append(
                SiteSessionSummary(
                    sid,
                    hall,
                    length,
                    float(draw(st.integers(0, int(length)))),
                    draw(st.booleans()),
                    float(draw(st.sampled_from((0, 60, 600)))),
                    0.0,
                    draw(st.integers(0, 3)),
                    windows,
                    draw(st.integers(0, windows)),
                    mos_windows,
                    # Quarters of a point: sums exact in binary, whatever their order.
                    draw(st.integers(8, 18)) / 4 if mos_windows else None,
                )
            )
        rows += site_rows
        sessions.append(
            SessionSummary(
                sid,
                f"Phiên {sid}",
                draw(st.sampled_from((None, 1, 2))),
                draw(st.sampled_from(("Tỉnh A", "Tỉnh B"))),
                1,
                draw(st.booleans()),
                any(r.connected_s > 0 for r in site_rows),
                ORIGIN + timedelta(hours=draw(st.integers(0, 24 * 120))),
                ORIGIN,
                length,
                len(site_rows),
            )
        )
    return sessions, rows


def _rate(a: int, b: int) -> float | None:
    return None if b == 0 else round(a / b, 4)


def brute_places(rows: Sequence[SiteSessionSummary]) -> dict[str, object]:
    """A hall's (or anyone's) places counted the plain way."""
    weighted = [(r.mean_mos, r.mos_windows) for r in rows if r.mean_mos is not None]
    weight = sum(w for _, w in weighted)
    return {
        "places": len(rows),
        "present": len([r for r in rows if r.present]),
        "attendance_rate": _rate(len([r for r in rows if r.present]), len(rows)),
        "hall_hours": round(sum(r.connected_s for r in rows) / 3600, 2),
        "late": len([r for r in rows if r.late_s > 0]),
        "reconnections": sum(r.reconnections for r in rows),
        "windows": sum(r.windows for r in rows),
        "poor_windows": sum(r.poor_windows for r in rows),
        "poor_share": _rate(sum(r.poor_windows for r in rows), sum(r.windows for r in rows)),
        "mean_mos": None if weight == 0 else round(sum(m * w for m, w in weighted) / weight, 2),
    }


def brute_sessions(sessions: Sequence[SessionSummary]) -> dict[str, object]:
    return {
        "sessions": len(sessions),
        "booked": len([s for s in sessions if s.booked]),
        "held_online": len([s for s in sessions if s.held_online]),
        "session_hours": round(sum(s.length_s for s in sessions) / 3600, 2),
    }


@settings(max_examples=150, deadline=None)
@given(world(), st.integers(0, 120), st.integers(0, 60))
def test_the_aggregation_equals_a_brute_force_recount(
    data: tuple[list[SessionSummary], list[SiteSessionSummary]], first: int, days: int
) -> None:
    sessions, rows = data
    period = Period(
        ORIGIN.date() + timedelta(days=first), ORIGIN.date() + timedelta(days=first + days)
    )
    since, until = period.bounds(TZ)
    # What store.reports.between hands over: the sessions that started in the period (the
    # other sessions' site rows are passed too, and must be left out).
    inside = [s for s in sessions if since <= s.started_at < until]
    report = period_report(period, inside, rows, NAMES, ORGANISERS, TZ, ORIGIN)
    ids = {s.session_id for s in inside}
    kept = [r for r in rows if r.session_id in ids]

    assert report["totals"] == {
        **brute_sessions(inside),
        "not_held": len([s for s in inside if not s.held_online]),
        "halls": len({r.site_id for r in kept}),
        **brute_places(kept),
    }
    # Repeated problems: 3 poor windows and 5 % of them, or a mean MOS under 3.6, in two
    # sessions or more and in a quarter of the sessions the hall has windows in.
    troubled = {
        hall: {
            r.session_id
            for r in kept
            if r.site_id == hall
            and (
                (r.poor_windows >= 3 and r.poor_windows >= 0.05 * r.windows)
                or (r.mean_mos is not None and r.mean_mos < 3.6)
            )
        }
        for hall in NAMES
    }
    attended = {
        hall: {r.session_id for r in kept if r.site_id == hall and r.windows > 0} | troubled[hall]
        for hall in NAMES
    }
    flagged = {
        hall for hall, ss in troubled.items() if len(ss) >= 2 and 4 * len(ss) >= len(attended[hall])
    }
    assert {p["site_id"] for p in report["repeated_problems"]} == flagged
    for p in report["repeated_problems"]:
        assert p["sessions"] == sorted(troubled[p["site_id"]])
        assert p["attended"] == len(attended[p["site_id"]])
    for hall in report["sites"]:
        mine = [r for r in kept if r.site_id == hall["site_id"]]
        assert hall == {
            "site_id": hall["site_id"],
            "name": NAMES[hall["site_id"]],
            "repeated_problems": hall["site_id"] in flagged,
            **brute_places(mine),
        }
    assert sorted(h["site_id"] for h in report["sites"]) == sorted({r.site_id for r in kept})
    for o in report["organisers"]:
        theirs = [s for s in inside if s.organiser_id == o["organiser_id"]]
        their_ids = {s.session_id for s in theirs}
        assert o == {
            "organiser_id": o["organiser_id"],
            "name": ORGANISERS.get(o["organiser_id"], ""),
            **brute_sessions(theirs),
            **brute_places([r for r in kept if r.session_id in their_ids]),
        }
    assert {o["organiser_id"] for o in report["organisers"]} == {s.organiser_id for s in inside}
    for a in report["agencies"]:
        theirs = [s for s in inside if s.agency == a["agency"]]
        their_ids = {s.session_id for s in theirs}
        assert a == {
            "agency": a["agency"],
            **brute_sessions(theirs),
            **brute_places([r for r in kept if r.session_id in their_ids]),
        }
    months = {s.started_at.astimezone(ZONE).strftime("%Y-%m") for s in inside}
    assert [m["month"] for m in report["months"]] == sorted(months)
    for m in report["months"]:
        theirs = [
            s for s in inside if s.started_at.astimezone(ZONE).strftime("%Y-%m") == m["month"]
        ]
        assert m == {"month": m["month"], **brute_sessions(theirs)}


def test_quarters_and_ranges_are_days_of_the_office() -> None:
    q3 = quarter("2026-Q3")
    assert (q3.since, q3.until, q3.quarter) == (date(2026, 7, 1), date(2026, 9, 30), "2026-Q3")
    assert quarter("2026-Q4").until == date(2026, 12, 31)
    assert quarter("2024-Q1").until == date(2024, 3, 31)
    since, until = q3.bounds(TZ)  # 00:00 in Hà Nội is 17:00 UTC the day before
    assert since == datetime(2026, 6, 30, 17, 0, tzinfo=UTC)
    assert until == datetime(2026, 9, 30, 17, 0, tzinfo=UTC)
    for text in ("2026-Q0", "2026-Q5", "26-Q1", "2026Q1", "1999-Q1"):
        with pytest.raises(PeriodError):
            quarter(text)
    with pytest.raises(PeriodError):
        date_range(date(2026, 2, 1), date(2026, 1, 31))
    a, b = date_range(date(2026, 2, 1), date(2026, 2, 1)).bounds(TZ)
    assert b - a == timedelta(days=1)


def test_summaries_round_trip_with_their_range_and_organiser(tmp_path: Path) -> None:
    store = Store(tmp_path / "b.sqlite3")
    central = store.sites.create("Hội trường Trung ương", SiteLevel.CENTRAL)
    hall = store.sites.create("Điểm cầu tỉnh Lào Cai", SiteLevel.PROVINCE, central.id)
    sids = [store.sessions.create(f"Phiên {i}", central.id, [hall.id]).id for i in range(3)]
    since, until = quarter("2026-Q3").bounds(TZ)
    starts = [since - timedelta(seconds=1), since, until - timedelta(seconds=1)]
    for sid, start, organiser in zip(sids, starts, (None, 7, 8), strict=True):
        summary = SessionSummary(
            sid, "x", organiser, "Lào Cai", central.id, True, True, start, start, 60.0, 2
        )
        row = SiteSessionSummary(sid, hall.id, 60.0, 30.5, True, 0.0, 0.0, 1, 3, 1, 2, 3.75)
        store.reports.save(summary, [row])
        store.reports.save(summary, [row])  # saved again: replaced, not doubled
    found, rows = store.reports.between(since, until)
    assert [s.session_id for s in found] == sids[1:]
    assert rows == [
        SiteSessionSummary(sid, hall.id, 60.0, 30.5, True, 0.0, 0.0, 1, 3, 1, 2, 3.75)
        for sid in sids[1:]
    ]
    mine, my_rows = store.reports.between(since, until, organiser_id=8)
    assert [s.session_id for s in mine] == [sids[2]] and len(my_rows) == 1
    assert store.reports.missing() == []  # none is closed
    store.close()
