"""Attendance from the audit log: connections and reconnections, clipping to the span,
late and early, the present rule and the roll call, restarts, the floor/mute/hand/shown
counts, and the session's span."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import pytest

from bridge.attendance import (
    Interval,
    PresentRule,
    RollCall,
    RollCallMark,
    RollCallRefused,
    attendance,
    session_span,
    take,
)
from tests.attendance.log import E, at, close, connected, join, leave, live_open, lost, site

A, B, C = 1, 2, 3


def test_connections_accumulate_across_reconnections_and_are_clipped() -> None:
    log = [
        join(-60, A),
        connected(-50, A),  # before the start: clipped to it
        join(30, B),
        connected(40, B),  # 40 s late
        lost(100, B),
        connected(130, B),  # 30 s cut, then back
        leave(200, A),  # leaves 100 s early
        join(210, A),
        connected(220, A),  # and comes back: a reconnection
        leave(250, A),
        *close(300, [A, B, C]),
    ]
    a, b, c = attendance(log, [A, B, C], at(0), at(300))
    assert a.intervals == (Interval(at(0), at(200)), Interval(at(220), at(250)))
    assert a.connected_s == 230 and a.reconnections == 1
    assert a.first_join == at(-50) and a.late_s == 0  # early is not late
    assert a.last_leave == at(250) and a.left_early_s == 50
    assert b.intervals == (Interval(at(40), at(100)), Interval(at(130), at(300)))
    assert b.connected_s == 230 and b.late_s == 40 and b.last_leave is None
    assert b.left_early_s == 0 and b.reconnections == 1
    assert c.intervals == () and c.connected_s == 0 and c.first_join is None
    assert c.late_s == 0 and not c.present
    assert a.share == pytest.approx(230 / 300)


def test_the_present_rule_and_the_roll_call() -> None:
    log = [join(0, A), connected(0, A), leave(85, A), join(0, B), connected(0, B), leave(84, B)]
    a, b = attendance(log, [A, B], at(0), at(100))
    assert a.present and not b.present  # 85 % of the span is present, 84 % is not
    strict = attendance(log, [A, B], at(0), at(100), PresentRule(0.9))
    assert not strict[0].present
    marks = {
        A: RollCall(A, RollCallMark.ABSENT, "Chỉ có kỹ thuật viên"),
        B: RollCall(B, RollCallMark.ELSEWHERE, at_site_id=A),
    }
    a, b = attendance(log, [A, B], at(0), at(100), roll_calls=marks)
    assert not a.present and a.share == pytest.approx(0.85)  # the measurement stays
    assert a.extra["measured_present"] == 1.0 and a.roll_call == marks[A]
    assert b.present and b.extra["measured_present"] == 0.0


def test_a_crash_ends_connections_at_the_last_entry_before_the_restart() -> None:
    log = [
        join(0, A),
        connected(1, A),
        join(0, B),
        connected(2, B),
        lost(50, B),  # the last entry before the bridge died
        # ... down from some time after 50 s; back at 120 s
        live_open(120),
        join(125, A),
        connected(126, A),
        *close(200, [A, B]),
    ]
    a, b = attendance(log, [A, B], at(0), at(200))
    assert a.intervals == (Interval(at(1), at(50)), Interval(at(126), at(200)))
    assert a.reconnections == 1
    assert b.intervals == (Interval(at(2), at(50)),)


def test_a_crash_in_a_quiet_stretch_ends_at_the_last_time_the_site_was_seen() -> None:
    log = [
        join(0, A),
        connected(1, A),
        join(0, B),
        connected(2, B),  # then nothing for minutes
        live_open(600),
        join(605, A),
        connected(606, A),
        *close(700, [A, B]),
    ]
    seen = [(A, at(20)), (A, at(580)), (A, at(650)), (B, at(1)), (9, at(300))]
    a, b = attendance(log, [A, B], at(0), at(700), seen=seen)
    # A was seen at 580 s (a quality window's end), not after the restart's 650 s.
    assert a.intervals == (Interval(at(1), at(580)), Interval(at(606), at(700)))
    # B's only sign is older than the last entry before the restart (its own connection,
    # at 2 s): that entry stands, and without a later sign B has nothing to show.
    assert b.intervals == () and b.connected_s == 0


def test_a_crash_without_the_marker_is_seen_by_a_join_while_connected() -> None:
    log = [
        join(0, A),
        connected(1, A),
        site(40, "mute", A, "connected", muted=True),
        join(90, A),
        connected(91, A),
        leave(100, A),
    ]
    (a,) = attendance(log, [A], at(0), at(100))
    assert a.intervals == (Interval(at(1), at(40)), Interval(at(91), at(100)))


def test_a_clean_restart_is_the_leaves_it_wrote() -> None:
    log = [
        join(0, A),
        connected(1, A),
        leave(60, A),
        *close(60, [A], by="shutdown"),
        live_open(70),
        join(75, A),
        connected(76, A),
        *close(100, [A]),
    ]
    (a,) = attendance(log, [A], at(0), at(100))
    assert a.connected_s == 59 + 24 and a.reconnections == 1
    assert session_span(None, log) == (at(0), at(100))  # the shutdown did not end it


def test_floor_mute_hand_and_shown_are_counted_per_site() -> None:
    log = [
        join(0, A),
        connected(0, A),
        join(0, B),
        connected(0, B),
        site(10, "raise_hand", A, "connected", hand_raised=True),
        site(20, "give_floor", A, "connected"),
        E(at(20), "op", "give_floor", {"site_id": A}),
        E(at(20), "op", "give_floor", {"site_id": A, "mode": "manual"}),
        site(50, "mute", A, "connected", muted=True),
        E(at(50), "op", "mute", {"site_id": None}),
        E(
            at(60),
            "op",
            "mute_all_except_host",
            {"sites": [{"site_id": B, "state": "connected", "muted": True}]},
        ),
        E(at(65), "op", "test_run", {"site_id": B}),  # not a floor change
        E(at(70), "op", "give_floor", {"site_id": B}),
        E(at(70), "op", "show_site", {"site_id": B, "mode": "manual"}),
        E(at(80), "op", "show_site", {"site_id": B, "mode": "manual"}),  # still B
        site(90, "raise_hand", A, "connected", muted=True, hand_raised=True),
        site(95, "join", A, "connecting", muted=True),  # a restored mute is no new mute
        *close(100, [A, B]),
    ]
    a, b = attendance(log, [A, B], at(0), at(100))
    assert (a.floor_count, a.floor_s, a.mute_count, a.hand_count, a.shown_count) == (
        1,
        30,
        1,
        2,
        1,
    )
    assert (b.floor_count, b.floor_s, b.mute_count, b.hand_count, b.shown_count) == (
        1,
        30,
        1,
        0,
        1,
    )


@dataclass
class Rec:
    state: str
    starts_at: datetime | None = None
    ends_at: datetime | None = None


def test_the_span_is_the_schedule_or_the_log() -> None:
    log = [E(at(-30), "op", "open_session"), join(0, A), connected(0, A), *close(500, [A])]
    assert session_span(Rec("closed", at(10), at(400)), log) == (at(10), at(400))
    assert session_span(Rec("closed"), log) == (at(-30), at(500))
    assert session_span(Rec("closed", at(10)), log) == (at(10), at(500))
    live = log[:3]
    assert session_span(Rec("open"), live, now=at(900)) == (at(-30), at(900))
    # The schedule can come apart from the record; an end before the start is the start.
    assert session_span(Rec("open"), live, schedule=Rec("", at(60), at(0))) == (at(60), at(60))
    assert session_span(Rec("open"), [], now=at(5)) == (at(5), at(5))
    # A session still running is read so far: its scheduled end not yet come is now.
    assert session_span(Rec("open", at(10), at(400)), live, now=at(100)) == (at(10), at(100))
    assert session_span(Rec("open", at(10), at(400)), live, now=at(5)) == (at(10), at(10))
    assert session_span(Rec("closed", at(10), at(400)), log, now=at(100)) == (at(10), at(400))
    with pytest.raises(ValueError):
        session_span(Rec("open"), [])


def test_a_roll_call_mark_is_checked() -> None:
    roster = [A, B, C]
    assert take(A, "present", roster, reason="x").reason == ""
    assert take(A, "absent", roster, reason="  Mất   điện ").reason == "Mất điện"
    assert take(A, "elsewhere", roster, at_site_id=B).at_site_id == B
    cases = [
        (dict(site_id=9, mark="present"), "invalid_input", "site_id", "not_found"),
        (dict(site_id=A, mark="late"), "invalid_input", "mark", "not_allowed"),
        (dict(site_id=A, mark="absent", reason=" "), "reason_required", "reason", "missing"),
        (dict(site_id=A, mark="absent", reason="x" * 501), "invalid_input", "reason", "too_long"),
        (dict(site_id=A, mark="elsewhere"), "invalid_input", "at_site_id", "missing"),
        (dict(site_id=A, mark="elsewhere", at_site_id=A), "invalid_input", "at_site_id", "invalid"),
        (
            dict(site_id=A, mark="elsewhere", at_site_id=7),
            "invalid_input",
            "at_site_id",
            "not_found",
        ),
    ]
    for kwargs, code, field, problem in cases:
        with pytest.raises(RollCallRefused) as refused:
            take(kwargs.pop("site_id"), kwargs.pop("mark"), roster, **kwargs)  # type: ignore[arg-type]
        assert (refused.value.code, refused.value.field, refused.value.problem) == (
            code,
            field,
            problem,
        )


def test_an_entry_naming_no_site_is_passed_over() -> None:
    log = [
        join(0, A),
        connected(0, A),
        E(at(5), "x", "join", {"site_id": [A], "state": "connected"}),
        E(at(6), "x", "give_floor", {"site_id": {"a": 1}}),
        E(at(7), "x", "show_site", {"site_id": True, "mode": "manual"}),
        E(at(8), "x", "media_connected", {"sites": ["junk", {"site_id": "2", "state": "x"}]}),
        leave(10, A),
    ]
    (a,) = attendance(log, [A], at(0), at(10))
    assert a.connected_s == 10 and (a.floor_count, a.shown_count) == (0, 0)
