"""Attendance against a second-by-second oracle: random streams of joins, media up and
down, leaves, removals and crashed restarts, and random times a site was seen connected
(its quality windows); the oracle marks each second a site was connected, a crashed
connection up to its last sign before the restart (the last entry, or a later sighting)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bridge.attendance import PresentRule, attendance
from tests.attendance.log import E, at, close, live_open, site

SITES = [1, 2, 3]
ACTIONS = ["join", "media_connected", "media_lost", "leave", "remove_site", "crash"]
STATE = {
    "join": "connecting",
    "media_connected": "connected",
    "media_lost": "connecting",
    "leave": "offline",
    "remove_site": "offline",
}


@st.composite
def streams(draw: st.DrawFn) -> tuple[list[E], dict[int, set[int]], int, list]:
    """Entries at distinct whole seconds, what each site's connected seconds were, the
    time of the last entry, and the times sites were seen connected besides the log."""
    seen = draw(st.lists(st.tuples(st.sampled_from(SITES), st.integers(0, 1200)), max_size=8))
    steps = draw(
        st.lists(
            st.tuples(st.integers(1, 40), st.sampled_from(SITES), st.sampled_from(ACTIONS)),
            max_size=40,
        )
    )
    state = dict.fromkeys(SITES, "offline")
    truth: dict[int, set[int]] = {s: set() for s in SITES}
    since: dict[int, int | None] = dict.fromkeys(SITES)
    log: list[E] = []
    t = last = 0
    for gap, s, action in steps:
        t += gap
        if action == "crash":
            # The bridge died after ``last`` and a live session opens afresh at ``t``.
            for x in SITES:
                if since[x] is not None:
                    # Its last sign before the restart: the last entry, or a later sighting.
                    until = max([last, *(u for y, u in seen if y == x and u <= t)])
                    truth[x] |= set(range(since[x], until))  # type: ignore[arg-type]
                    since[x] = None
                state[x] = "offline"
            log.append(live_open(t))
            last = t
            continue
        if action in ("media_connected", "media_lost", "remove_site") and state[s] == "offline":
            continue  # the domain ignores or refuses these
        if action == "join" and state[s] != "offline":
            continue  # a live bridge writes a leave first (a replaced connection)
        new = STATE[action]
        if new == state[s]:
            continue  # no change, no event
        if new == "connected":
            since[s] = t
        elif since[s] is not None:
            truth[s] |= set(range(since[s], t))  # type: ignore[arg-type]
            since[s] = None
        state[s] = new
        log.append(site(t, action, s, new, removed=action == "remove_site"))
        last = t
    end_at = last + draw(st.integers(1, 30))
    for x in SITES:
        if since[x] is not None:
            truth[x] |= set(range(since[x], end_at))  # type: ignore[arg-type]
    log += close(end_at, SITES)
    return log, truth, end_at, [(x, at(u)) for x, u in seen]


def _runs(seconds: set[int]) -> list[tuple[int, int]]:
    runs: list[tuple[int, int]] = []
    for s in sorted(seconds):
        if runs and runs[-1][1] == s:
            runs[-1] = (runs[-1][0], s + 1)
        else:
            runs.append((s, s + 1))
    return runs


@settings(max_examples=300, deadline=None)
@given(streams(), st.data())
def test_attendance_equals_the_oracle(stream, data: st.DataObject) -> None:
    log, truth, last, seen = stream
    start = data.draw(st.integers(0, last))
    end = data.draw(st.integers(start, last + 5))
    rule = PresentRule(data.draw(st.sampled_from([0.5, 0.85, 1.0])))
    got = attendance(log, SITES, at(start), at(end), rule, seen=seen)
    span = set(range(start, end))
    for a in got:
        seconds = truth[a.site_id]
        runs = [r for r in _runs(seconds) if max(r[0], start) < min(r[1], end)]
        assert a.connected_s == len(seconds & span)
        assert len(a.intervals) == len(runs) and a.reconnections == max(0, len(runs) - 1)
        assert [(i.start, i.end) for i in a.intervals] == [
            (at(max(r[0], start)), at(min(r[1], end))) for r in runs
        ]
        if runs:
            assert a.first_join == at(runs[0][0])
            assert a.late_s == max(0, runs[0][0] - start)
            assert a.last_leave == (at(runs[-1][1]) if runs[-1][1] < end else None)
            assert a.left_early_s == (end - runs[-1][1] if runs[-1][1] < end else 0)
        else:
            assert a.first_join is None and a.last_leave is None and a.late_s == 0
        share = len(seconds & span) / (end - start) if end > start else 0.0
        assert a.share == share
        assert a.present == (bool(runs) and share + 1e-9 >= rule.share)
