"""``store.bookings``: requests for sessions, their halls, their series and their history.

No rule lives here beyond what keeps the rows consistent: which state may follow which,
the lead time and the conflicts are ``bridge.bookings``' (pure), applied by
``bridge.bookings_use``. A change of state names the state it was decided on
(``expected``), so two decisions racing on one booking cannot both be written.
"""

from __future__ import annotations

import builtins
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Connection, insert, or_, select, update

from bridge.store import schema as t
from bridge.store.engine import Database
from bridge.store.errors import Conflict, InvalidInput, NotFound, clean_text

MAX_TITLE_CHARS = 200
MAX_TEXT_CHARS = 4000
MAX_ROSTER = 1000
# States in which a booking still holds its halls (an approved one holds them through its
# session, which is looked at instead).
PENDING = ("requested", "rescheduled")


@dataclass(frozen=True, slots=True)
class Times:
    starts_at: datetime
    ends_at: datetime
    test_from: datetime | None = None
    test_until: datetime | None = None


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    at: datetime
    by: str
    action: str
    from_state: str | None
    to_state: str
    reason: str | None


@dataclass(frozen=True, slots=True)
class NewBooking:
    """What a request says (the store adds the id, the state and the stamps)."""

    title: str
    host_site_id: int
    roster: tuple[int, ...]
    times: Times
    organiser_id: int | None
    agenda: str = ""
    notes: str = ""
    lead_override_reason: str | None = None


@dataclass(frozen=True, slots=True)
class Booking:
    id: int
    title: str
    agenda: str
    notes: str
    host_site_id: int
    # Site ids in roster order; the host is always on it, first unless placed.
    roster: tuple[int, ...]
    organiser_id: int | None
    times: Times
    state: str
    reason: str | None
    proposed: Times | None
    lead_override_reason: str | None
    conflict_override_reason: str | None
    session_id: int | None
    series_id: int | None
    requested_at: datetime
    updated_at: datetime
    history: tuple[HistoryEntry, ...] = field(default=())


@dataclass(frozen=True, slots=True)
class Series:
    id: int
    rule: Mapping[str, Any]
    skip: tuple[date, ...]
    moved: Mapping[date, datetime]


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    if value.tzinfo is None:
        raise InvalidInput("a time needs its UTC offset")
    return value.astimezone(UTC)


def _text(value: str | None, what: str) -> str:
    value = (value or "").strip()
    if len(value) > MAX_TEXT_CHARS:
        raise InvalidInput(f"{what}: at most {MAX_TEXT_CHARS} characters")
    return value


class Bookings:
    def __init__(self, db: Database) -> None:
        self._db = db

    # -- making ----------------------------------------------------------------------------

    def create(self, new: NewBooking, by: str) -> Booking:
        """One booking, ``requested``, with its first history line."""
        return self.create_many([new], by)[0]

    def create_many(
        self,
        news: Sequence[NewBooking],
        by: str,
        *,
        series: tuple[Mapping[str, Any], Sequence[date], Mapping[date, datetime]] | None = None,
    ) -> builtins.list[Booking]:
        """The bookings, in one transaction; with ``series`` (rule, skipped days, moved
        days) they share one new series."""
        if not news:
            raise InvalidInput("nothing to book")
        rows = [_values(new) for new in news]
        with self._db.write() as conn:
            now = self._db.clock()
            for new, (_, roster) in zip(news, rows, strict=True):
                _check_refs(conn, new, roster)
            series_id = None
            if series is not None:
                rule, skip, moved = series
                values = {
                    "rule": json.dumps(dict(rule), ensure_ascii=False),
                    "skip": json.dumps(sorted(d.isoformat() for d in skip)),
                    "moved": json.dumps(
                        {d.isoformat(): at.astimezone(UTC).isoformat() for d, at in moved.items()}
                    ),
                }
                series_id, _ = self._db.insert(conn, t.booking_series, values)
            ids = []
            for values, roster in rows:
                key = conn.execute(
                    insert(t.bookings).values(
                        **values,
                        state="requested",
                        series_id=series_id,
                        requested_at=now,
                        updated_at=now,
                    )
                ).inserted_primary_key
                assert key is not None
                booking_id = int(key[0])
                ids.append(booking_id)
                conn.execute(
                    insert(t.booking_roster),
                    [
                        {"booking_id": booking_id, "site_id": site_id, "position": position}
                        for position, site_id in enumerate(roster)
                    ],
                )
                conn.execute(
                    insert(t.booking_history).values(
                        booking_id=booking_id,
                        at=now,
                        by=by,
                        action="request",
                        from_state=None,
                        to_state="requested",
                        reason=values["lead_override_reason"],
                    )
                )
            return _bookings(conn, ids)

    # -- reading ---------------------------------------------------------------------------

    def get(self, booking_id: int) -> Booking:
        with self._db.read() as conn:
            found = _bookings(conn, [booking_id])
        if not found:
            raise NotFound(f"no booking {booking_id}", field="booking_id", problem="not_found")
        return found[0]

    def list(
        self,
        *,
        state: str | None = None,
        organiser_id: int | None = None,
        starts_from: datetime | None = None,
        starts_until: datetime | None = None,
        limit: int = 1000,
    ) -> builtins.list[Booking]:
        """Bookings by start (the earliest first), filtered."""
        c = t.bookings.c
        query = select(c.id).order_by(c.starts_at, c.id).limit(max(0, limit))
        if state is not None:
            query = query.where(c.state == state)
        if organiser_id is not None:
            query = query.where(c.organiser_id == organiser_id)
        if starts_from is not None:
            query = query.where(c.starts_at >= _utc(starts_from))
        if starts_until is not None:
            query = query.where(c.starts_at < _utc(starts_until))
        with self._db.read() as conn:
            return _bookings(conn, builtins.list(conn.scalars(query)))

    def agenda_of(self, session_id: int) -> str:
        """The agenda of the booking a session was approved from ("" for a session made
        without a booking): sessions keep no agenda of their own."""
        c = t.bookings.c
        query = select(c.agenda).where(c.session_id == session_id).order_by(c.id).limit(1)
        with self._db.read() as conn:
            return str(conn.scalar(query) or "")

    def pending_between(self, since: datetime, until: datetime) -> builtins.list[Booking]:
        """Requested or rescheduled bookings that hold their halls at some time in
        [since, until), test window included (or, rescheduled, whose proposed time does):
        what a new one may conflict with. The pure rule decides which do."""
        c = t.bookings.c
        query = select(c.id).where(
            c.state.in_(PENDING),
            or_(c.starts_at < _utc(until), c.test_from < _utc(until)),
            c.ends_at > _utc(since),
        )
        proposed = select(c.id).where(
            c.state == "rescheduled",
            or_(c.proposed_starts_at < _utc(until), c.proposed_test_from < _utc(until)),
            c.proposed_ends_at > _utc(since),
        )
        with self._db.read() as conn:
            ids = set(conn.scalars(query)) | set(conn.scalars(proposed))
            return _bookings(conn, sorted(ids))

    def series(self, series_id: int) -> Series:
        with self._db.read() as conn:
            row = conn.execute(
                select(t.booking_series).where(t.booking_series.c.id == series_id)
            ).first()
        if row is None:
            raise NotFound(f"no series {series_id}")
        return Series(
            row.id,
            json.loads(row.rule),
            tuple(date.fromisoformat(d) for d in json.loads(row.skip)),
            {
                date.fromisoformat(d): datetime.fromisoformat(at)
                for d, at in json.loads(row.moved).items()
            },
        )

    # -- changing --------------------------------------------------------------------------

    def change(
        self,
        booking_id: int,
        *,
        expected: str,
        to_state: str,
        by: str,
        action: str,
        reason: str | None = None,
        times: Times | None = None,
        proposed: Times | None = None,
        clear_proposed: bool = False,
        session_id: int | None = None,
        lead_override_reason: str | None = None,
        conflict_override_reason: str | None = None,
        keep_reason: bool = False,
    ) -> Booking:
        """Move the booking from ``expected`` to ``to_state`` (``Conflict`` if it is not in
        ``expected`` any more), writing what changes with it and a history line."""
        c = t.bookings.c
        reason = None if reason is None else _text(reason, "reason") or None
        with self._db.write() as conn:
            now = self._db.clock()
            current = conn.execute(select(c.state).where(c.id == booking_id)).scalar()
            if current is None:
                raise NotFound(f"no booking {booking_id}")
            if current != expected:
                raise Conflict(f"booking {booking_id} is {current} now, not {expected}")
            values: dict[str, Any] = {"state": to_state, "updated_at": now}
            if not keep_reason:
                values["reason"] = reason
            if times is not None:
                values.update(_times("", times))
            if proposed is not None:
                values.update(_times("proposed_", proposed))
            elif clear_proposed:
                values.update(
                    proposed_starts_at=None,
                    proposed_ends_at=None,
                    proposed_test_from=None,
                    proposed_test_until=None,
                )
            if session_id is not None:
                values["session_id"] = session_id
            if lead_override_reason is not None:
                values["lead_override_reason"] = _text(lead_override_reason, "reason")
            if conflict_override_reason is not None:
                values["conflict_override_reason"] = _text(conflict_override_reason, "reason")
            conn.execute(update(t.bookings).where(c.id == booking_id).values(**values))
            conn.execute(
                insert(t.booking_history).values(
                    booking_id=booking_id,
                    at=now,
                    by=by,
                    action=action,
                    from_state=current,
                    to_state=to_state,
                    reason=reason,
                )
            )
            return _bookings(conn, [booking_id])[0]

    def link_session(self, booking_id: int, session_id: int) -> Booking:
        """Name the session an approval made."""
        c = t.bookings.c
        with self._db.write() as conn:
            done = conn.execute(
                update(t.bookings).where(c.id == booking_id).values(session_id=session_id)
            ).rowcount
            if not done:
                raise NotFound(f"no booking {booking_id}")
            return _bookings(conn, [booking_id])[0]


def _times(prefix: str, times: Times) -> dict[str, datetime | None]:
    return {
        f"{prefix}starts_at": _utc(times.starts_at),
        f"{prefix}ends_at": _utc(times.ends_at),
        f"{prefix}test_from": _utc(times.test_from),
        f"{prefix}test_until": _utc(times.test_until),
    }


def _values(new: NewBooking) -> tuple[dict[str, Any], builtins.list[int]]:
    roster = builtins.list(new.roster)
    if new.host_site_id not in roster:
        roster.insert(0, new.host_site_id)
    if len(set(roster)) != len(roster):
        raise InvalidInput(
            "a site appears more than once on the roster", field="roster", problem="duplicate"
        )
    if len(roster) > MAX_ROSTER:
        raise InvalidInput(
            f"at most {MAX_ROSTER} sites",
            field="roster",
            problem="too_long",
            params={"limit": MAX_ROSTER, "unit": "items"},
        )
    if new.times.ends_at <= new.times.starts_at:
        raise InvalidInput(
            "the end must be after the start",
            field="ends_at",
            problem="too_small",
            params={"limit": new.times.starts_at.isoformat(), "exclusive": True},
        )
    values = {
        "title": clean_text(new.title, "title", MAX_TITLE_CHARS),
        "agenda": _text(new.agenda, "agenda"),
        "notes": _text(new.notes, "notes"),
        "host_site_id": new.host_site_id,
        "organiser_id": new.organiser_id,
        **_times("", new.times),
        "lead_override_reason": (
            None
            if new.lead_override_reason is None
            else _text(new.lead_override_reason, "reason") or None
        ),
    }
    return values, roster


def _check_refs(conn: Connection, new: NewBooking, roster: Sequence[int]) -> None:
    known = set(conn.scalars(select(t.sites.c.id).where(t.sites.c.id.in_(roster))))
    missing = [site_id for site_id in roster if site_id not in known]
    if missing:
        field = "host_site_id" if new.host_site_id in missing else "roster"
        raise InvalidInput(f"no such sites: {missing}", field=field, problem="not_found")
    if new.organiser_id is not None:
        query = select(t.operators.c.id).where(t.operators.c.id == new.organiser_id)
        if conn.execute(query).first() is None:
            raise InvalidInput(f"no account {new.organiser_id}", field="organiser_id")


def _bookings(conn: Connection, ids: Sequence[int]) -> builtins.list[Booking]:
    """The bookings with these ids, in this order, each with its roster and history."""
    if not ids:
        return []
    c = t.bookings.c
    rows = {row.id: row for row in conn.execute(select(t.bookings).where(c.id.in_(ids)))}
    rosters: dict[int, builtins.list[int]] = {}
    r = t.booking_roster.c
    for member in conn.execute(
        select(r.booking_id, r.site_id).where(r.booking_id.in_(ids)).order_by(r.position)
    ):
        rosters.setdefault(member.booking_id, []).append(member.site_id)
    history: dict[int, builtins.list[HistoryEntry]] = {}
    h = t.booking_history.c
    for line in conn.execute(select(t.booking_history).where(h.booking_id.in_(ids)).order_by(h.id)):
        history.setdefault(line.booking_id, []).append(
            HistoryEntry(line.at, line.by, line.action, line.from_state, line.to_state, line.reason)
        )
    found = []
    for booking_id in ids:
        row = rows.get(booking_id)
        if row is None:
            continue
        proposed = None
        if row.proposed_starts_at is not None:
            proposed = Times(
                row.proposed_starts_at,
                row.proposed_ends_at,
                row.proposed_test_from,
                row.proposed_test_until,
            )
        found.append(
            Booking(
                id=row.id,
                title=row.title,
                agenda=row.agenda,
                notes=row.notes,
                host_site_id=row.host_site_id,
                roster=tuple(rosters.get(row.id, ())),
                organiser_id=row.organiser_id,
                times=Times(row.starts_at, row.ends_at, row.test_from, row.test_until),
                state=row.state,
                reason=row.reason,
                proposed=proposed,
                lead_override_reason=row.lead_override_reason,
                conflict_override_reason=row.conflict_override_reason,
                session_id=row.session_id,
                series_id=row.series_id,
                requested_at=row.requested_at,
                updated_at=row.updated_at,
                history=tuple(history.get(row.id, ())),
            )
        )
    return found


@dataclass(frozen=True, slots=True)
class ScheduledSession:
    """A session with a start, as the calendar and the conflict check see it."""

    id: int
    title: str
    state: str
    roster: tuple[int, ...]
    starts_at: datetime
    ends_at: datetime | None
    test_from: datetime | None
    test_until: datetime | None
    organiser_id: int | None = None


def sessions_between(
    db: Database, since: datetime, until: datetime, *, limit: int = 2000
) -> builtins.list[ScheduledSession]:
    """Scheduled and open sessions with a start that hold their halls at some time in
    [since, until) (a session without an end holds them from its start on, the rule
    decides for how long: ``since`` is taken a day early for it)."""
    from datetime import timedelta

    c = t.sessions.c
    query = (
        select(
            c.id,
            c.title,
            c.state,
            c.starts_at,
            c.ends_at,
            c.test_from,
            c.test_until,
            c.organiser_id,
        )
        .where(
            c.state != "closed",
            c.starts_at.is_not(None),
            or_(c.starts_at < _utc(until), c.test_from < _utc(until)),
            or_(
                c.ends_at > _utc(since),
                (c.ends_at.is_(None) & (c.starts_at > _utc(since - timedelta(days=1)))),
            ),
        )
        .order_by(c.starts_at, c.id)
        .limit(limit)
    )
    with db.read() as conn:
        rows = conn.execute(query).all()
        ids = [row.id for row in rows]
        rosters: dict[int, builtins.list[int]] = {}
        r = t.roster.c
        if ids:
            for member in conn.execute(
                select(r.session_id, r.site_id).where(r.session_id.in_(ids)).order_by(r.position)
            ):
                rosters.setdefault(member.session_id, []).append(member.site_id)
    return [
        ScheduledSession(
            row.id,
            row.title,
            row.state,
            tuple(rosters.get(row.id, ())),
            row.starts_at,
            row.ends_at,
            row.test_from,
            row.test_until,
            row.organiser_id,
        )
        for row in rows
    ]


def due_sessions(db: Database, now: datetime, *, limit: int = 50) -> builtins.list[int]:
    """Scheduled sessions whose start has come and whose end has not passed (a session
    without an end: within four hours of its start), earliest first: what opens by itself.
    A session whose whole time went by unopened is left as it is."""
    from datetime import timedelta

    c = t.sessions.c
    at = _utc(now)
    assert at is not None
    query = (
        select(c.id)
        .where(
            c.state == "scheduled",
            c.starts_at <= at,
            or_(
                c.ends_at > at,
                c.ends_at.is_(None) & (c.starts_at > at - timedelta(hours=4)),
            ),
        )
        .order_by(c.starts_at, c.id)
        .limit(limit)
    )
    with db.read() as conn:
        return builtins.list(conn.scalars(query))
