"""Attendance from a session's audit log: who was connected when, for how long, and what
each hall did (floor, mute, hand, shown) — pure, from the entries alone.

The audit log already holds every event of the conference with its time and cause
(``bridge.live.audit``), so attendance is a reading of it, never a second record that could
disagree. The rules, in the order they apply:

- **Connected.** A site is connected from the entry that shows it ``connected`` (its
  ``media_connected``) to the next entry that shows it in any other state: its ``leave``,
  its ``media_lost`` (``connecting``), its removal, the session's close (every site
  ``offline``). Each such stretch is one ``Interval``; reconnections add intervals, they
  never overwrite the earlier ones.
- **Restarts.** A bridge that stopped cleanly wrote its halls' leaves (and a close by
  ``shutdown``), so their intervals end there. One that crashed wrote nothing: when it
  comes back, its live session is opened afresh — the ``live_open`` entry (``LIVE_OPEN``)
  — or, in a log without that marker, a hall joins while it still counts as connected.
  Either way the interval still open is closed at **the last entry seen before** the
  marker (or that join): the bridge was last known alive then, and time it was down is not
  counted as anyone's connection — or, when the caller knows a later time the site was
  seen connected before the restart (``seen``: its quality windows' ends, written every
  20 s), at that time.
- **Clipping.** Intervals are clipped to the session's span ``[start, end]``
  (``session_span``); what lies wholly outside (a test before the start) is not kept.
  ``first_join`` is the real time the first kept connection began (it may be before the
  start: early is not late), ``late_s`` how long after the start that was; ``last_leave``
  the real end of the last one, None when it lasted to the end; ``left_early_s`` how long
  before the end it was.
- **Present.** ``share`` = connected time / the span's length, the measurement; a site is
  present when ``share >= rule.share``. The roll call, when taken, decides the verdict:
  PRESENT and ELSEWHERE (in person at another hall) make ``present`` true, ABSENT false —
  ``share`` and ``extra["measured_present"]`` still say what was measured.
- **Counts.** ``floor_count``: times the floor went to the site; ``floor_s``: how long it
  held it (to the next floor change or the end, within the span); ``mute_count``: times it
  was muted by a mute or a mute-all; ``hand_count``: times it raised its hand;
  ``shown_count``: times it became the shown site.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from bridge.attendance.model import (
    Interval,
    PresentRule,
    RollCall,
    RollCallMark,
    SiteAttendance,
)

# The entry a live session writes when it is opened (first join, a restart's reopening):
# nobody is connected to a session just opened.
LIVE_OPEN = "live_open"
# The causes of a floor change (``FloorChanged``): its detail is only ``site_id``, as some
# HTTP actions' are, so the cause tells them apart.
FLOOR_CAUSES = frozenset(
    {"give_floor", "mute", "mute_all_except_host", "remove_site", "remove_from_roster"}
)
MUTE_CAUSES = frozenset({"mute", "mute_all_except_host"})
# What ends a session in the log; ``shutdown`` closes a live session without closing it.
CLOSE_ACTIONS = frozenset({"close_session", "end_session"})
START_ACTIONS = frozenset({"open_session", "join"})
SHUTDOWN = "shutdown"
CONNECTED = "connected"
# A share this close to the rule counts as reaching it (floating point of seconds).
EPSILON = 1e-9


class Entry(Protocol):
    """An audit entry as attendance reads it (``AuditEntry``, ``AuditRecord``)."""

    @property
    def at(self) -> datetime: ...
    @property
    def by(self) -> str: ...
    @property
    def action(self) -> str: ...
    @property
    def detail(self) -> Mapping[str, Any]: ...


@dataclass
class _Site:
    since: datetime | None = None  # connected from, while connected
    raw: list[tuple[datetime, datetime]] = field(default_factory=list)
    muted: bool | None = None
    floor_count: int = 0
    floor: list[tuple[datetime, datetime]] = field(default_factory=list)
    mute_count: int = 0
    hand_count: int = 0
    shown_count: int = 0
    seen: list[datetime] = field(default_factory=list)  # known connected then (sorted)

    def close(self, at: datetime) -> None:
        if self.since is not None:
            self.raw.append((self.since, max(at, self.since)))
            self.since = None

    def crashed(self, last_entry: datetime, back: datetime) -> None:
        """The bridge died after ``last_entry`` and came back at ``back``: the connection
        ends at the last sign of it before the restart (an entry, or a time it was seen)."""
        if self.since is None:
            return
        i = bisect_right(self.seen, back)
        last_seen = self.seen[i - 1] if i else None
        until = last_entry if last_seen is None else max(last_entry, min(last_seen, back))
        self.close(until)


def _states(detail: Mapping[str, Any]) -> Iterable[Mapping[str, Any]]:
    """The per-site changes an entry carries: one (``SiteChanged``) or many (``SitesChanged``)."""
    if "site_id" in detail and "state" in detail:
        yield detail
    sites = detail.get("sites")
    if isinstance(sites, list):
        for site in sites:
            if isinstance(site, Mapping) and "site_id" in site and "state" in site:
                yield site


def _id(value: object) -> int | None:
    """A site id as the log holds it (a hand-edited or foreign entry names nothing)."""
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _is_floor(entry: Entry) -> bool:
    return entry.action in FLOOR_CAUSES and set(entry.detail) == {"site_id"}


def _is_shown(entry: Entry) -> bool:
    return set(entry.detail) == {"site_id", "mode"}


def ordered(entries: Iterable[Entry]) -> list[Entry]:
    """Oldest first; entries of the same instant keep the log's order."""
    return sorted(entries, key=lambda e: e.at)


def attendance(
    entries: Iterable[Entry],
    roster_ids: Sequence[int],
    start: datetime,
    end: datetime,
    rule: PresentRule = PresentRule(),  # noqa: B008 - frozen, shared safely
    roll_calls: Mapping[int, RollCall] | None = None,
    seen: Iterable[tuple[int, datetime]] = (),
) -> list[SiteAttendance]:
    """Each roster site's attendance over ``[start, end]``, in roster order. ``seen``:
    (site id, time) pairs a site is known to have been connected at besides the log (the
    ends of its stored quality windows), so a crash in a quiet stretch costs it only the
    time since it was last seen, not since the last entry."""
    roll_calls = roll_calls or {}
    sites = {site_id: _Site() for site_id in roster_ids}
    for seen_id, seen_at in seen:
        if seen_id in sites:
            sites[seen_id].seen.append(seen_at)
    for site in sites.values():
        site.seen.sort()
    floor: tuple[int, datetime] | None = None  # who holds the floor, since when
    shown: int | None = None
    last_at: datetime | None = None
    for entry in ordered(entries):
        at, detail = entry.at, entry.detail
        if entry.action == LIVE_OPEN:
            # A live session opened afresh: whoever still counts as connected was cut by a
            # crash; the bridge was last known alive at the entry before.
            for each in sites.values():
                each.crashed(last_at or at, at)
        for change in _states(detail):
            changed_id = _id(change["site_id"])
            found = sites.get(changed_id) if changed_id is not None else None
            if found is None:
                continue
            site = found
            state = change["state"]
            if entry.action == "join" and site.since is not None:
                site.crashed(last_at or at, at)  # a crash without the marker: the same rule
            if state == CONNECTED:
                if site.since is None:
                    site.since = at
            else:
                site.close(at)
            muted = change.get("muted")
            if isinstance(muted, bool):
                if muted and site.muted is not True and entry.action in MUTE_CAUSES:
                    site.mute_count += 1
                site.muted = muted
            if entry.action == "raise_hand" and change.get("hand_raised") is True:
                site.hand_count += 1
        if _is_floor(entry):
            holder = _id(detail["site_id"])
            if floor is not None and floor[0] != holder:
                sites[floor[0]].floor.append((floor[1], at))
                floor = None
            if holder in sites and (floor is None or floor[0] != holder):
                sites[holder].floor_count += 1
                floor = (holder, at)
        elif _is_shown(entry):
            shown_id = _id(detail["site_id"])
            if shown_id is not None and shown_id != shown and shown_id in sites:
                sites[shown_id].shown_count += 1
            shown = shown_id
        last_at = at
    for site in sites.values():
        site.close(max(end, last_at or end))  # still connected: to the end
    if floor is not None:
        sites[floor[0]].floor.append((floor[1], max(end, floor[1])))
    return [
        _summarise(site_id, sites[site_id], start, end, rule, roll_calls.get(site_id))
        for site_id in roster_ids
    ]


def _clip(
    spans: Iterable[tuple[datetime, datetime]], start: datetime, end: datetime
) -> list[tuple[tuple[datetime, datetime], Interval]]:
    kept = []
    for raw in spans:
        a, b = max(raw[0], start), min(raw[1], end)
        if b > a:
            kept.append((raw, Interval(a, b)))
    return kept


def _summarise(
    site_id: int,
    site: _Site,
    start: datetime,
    end: datetime,
    rule: PresentRule,
    roll_call: RollCall | None,
) -> SiteAttendance:
    kept = _clip(site.raw, start, end)
    intervals = tuple(interval for _, interval in kept)
    connected = sum(i.seconds for i in intervals)
    length = (end - start).total_seconds()
    share = min(1.0, connected / length) if length > 0 else 0.0
    measured = bool(intervals) and share + EPSILON >= rule.share
    first_join = kept[0][0][0] if kept else None
    last_end = kept[-1][0][1] if kept else None
    last_leave = last_end if last_end is not None and last_end < end else None
    late = max(0.0, (first_join - start).total_seconds()) if first_join is not None else 0.0
    early = (end - last_leave).total_seconds() if last_leave is not None else 0.0
    present = measured
    if roll_call is not None:
        present = roll_call.mark is not RollCallMark.ABSENT
    return SiteAttendance(
        site_id=site_id,
        intervals=intervals,
        connected_s=connected,
        first_join=first_join,
        last_leave=last_leave,
        late_s=late,
        left_early_s=early,
        reconnections=max(0, len(intervals) - 1),
        share=share,
        present=present,
        roll_call=roll_call,
        floor_count=site.floor_count,
        floor_s=sum(i.seconds for _, i in _clip(site.floor, start, end)),
        mute_count=site.mute_count,
        hand_count=site.hand_count,
        shown_count=site.shown_count,
        extra={"measured_present": 1.0 if measured else 0.0},
    )


def session_span(
    session_record: object,
    entries: Iterable[Entry],
    now: datetime | None = None,
    schedule: object | None = None,
) -> tuple[datetime, datetime]:
    """The span attendance is measured over:

    - start: the scheduled ``starts_at`` when set (on ``schedule`` if given, else on the
      record), else the first ``open_session`` or ``join`` in the log (else its first entry);
    - end: the scheduled ``ends_at`` when set, else the last ``close_session`` /
      ``end_session`` not written by a ``shutdown``; for a session with no such entry, now
      while it is not closed (a live session), else its last entry.

    While the session is not closed the end is never later than ``now`` (a live read gives
    the figures so far, not a share of time still to come). The end is never before the
    start (a session closed before its scheduled start has a span of length 0)."""
    source = schedule if schedule is not None else session_record
    starts_at: datetime | None = getattr(source, "starts_at", None)
    ends_at: datetime | None = getattr(source, "ends_at", None)
    raw_state = getattr(session_record, "state", None)
    state = str(getattr(raw_state, "value", raw_state) or "")
    log = ordered(entries)
    start = starts_at
    if start is None:
        first = next((e.at for e in log if e.action in START_ACTIONS), None)
        start = first or (log[0].at if log else now)
    end = ends_at
    if end is None:
        closes = [e.at for e in log if e.action in CLOSE_ACTIONS and e.by != SHUTDOWN]
        if closes:
            end = closes[-1]
        elif state != "closed" and now is not None:
            end = now
        else:
            end = log[-1].at if log else now
    if start is None or end is None:
        raise ValueError("a session with no schedule and no entries has no span: give now")
    if state != "closed" and now is not None and end > now:
        end = now  # a session still running: its figures so far
    return start, max(start, end)
