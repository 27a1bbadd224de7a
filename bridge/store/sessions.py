"""``store.sessions``: sessions, their rosters, their organiser and staff.

No rule lives here beyond what keeps the rows consistent: which state may follow which is
``bridge.conference.lifecycle``'s, applied by ``bridge.use_cases``.
"""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import Connection, delete, func, insert, select, update
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from bridge.readiness.window import (
    OFFICE_TIMEZONE,
    VIETNAM,
    Calendar,
    ScheduleError,
    TestWindow,
    check_schedule,
    window,
)
from bridge.store import schema as t
from bridge.store.engine import Database
from bridge.store.errors import Conflict, InvalidInput, NotFound, clean_text, parse_enum
from bridge.store.office import OfficeDays
from bridge.store.records import Duty, Schedule, Session, SessionState, Site
from bridge.store.sites import site_of

MAX_TITLE_CHARS = 200


class Sessions:
    def __init__(self, db: Database) -> None:
        self._db = db

    def create(
        self,
        title: str,
        host_site_id: int,
        roster: Sequence[int],
        state: SessionState = SessionState.SCHEDULED,
        *,
        organiser_id: int | None = None,
    ) -> Session:
        """A new session. The roster keeps the given order; the host site is put first
        when it is not on it already."""
        title = clean_text(title, "session title", MAX_TITLE_CHARS)
        state = parse_enum(SessionState, state, "session state")
        site_ids = builtins.list(roster)
        if host_site_id not in site_ids:
            site_ids.insert(0, host_site_id)
        if len(set(site_ids)) != len(site_ids):
            raise InvalidInput("a site appears more than once on the roster")
        with self._db.write() as conn:
            known = set(conn.scalars(select(t.sites.c.id).where(t.sites.c.id.in_(site_ids))))
            missing = [site_id for site_id in site_ids if site_id not in known]
            if missing:
                raise InvalidInput(f"no such sites: {missing}")
            if organiser_id is not None and not _account_exists(conn, organiser_id):
                raise InvalidInput(f"no account {organiser_id}")
            values = {
                "title": title,
                "host_site_id": host_site_id,
                "state": state,
                "organiser_id": organiser_id,
            }
            session_id, created_at = self._db.insert(conn, t.sessions, values)
            conn.execute(
                insert(t.roster),
                [
                    {"session_id": session_id, "site_id": site_id, "position": position}
                    for position, site_id in enumerate(site_ids)
                ],
            )
        return Session(
            session_id, title, host_site_id, state, created_at, tuple(site_ids), organiser_id
        )

    def get(self, session_id: int) -> Session:
        """The session with its roster, organiser and staff."""
        with self._db.read() as conn:
            found = _sessions(conn, session_id)
        if not found:
            raise NotFound(f"no session {session_id}")
        return found[0]

    def set_state(
        self, session_id: int, state: SessionState, *, expected: SessionState | None = None
    ) -> Session:
        """Write ``state``. With ``expected``, only if the session is still in that state
        (``Conflict`` otherwise): a caller that checked a rule against what it read is
        sure nobody changed the state in between."""
        state = parse_enum(SessionState, state, "session state")
        with self._db.write() as conn:
            where = t.sessions.c.id == session_id
            current = conn.execute(select(t.sessions.c.state).where(where)).scalar()
            if current is None:
                raise NotFound(f"no session {session_id}")
            if expected is not None and current != expected:
                raise Conflict(f"session {session_id} is {current} now, not {expected}")
            if current != state:
                conn.execute(update(t.sessions).where(where).values(state=state))
            return _sessions(conn, session_id)[0]

    def roster_sites(self, session_id: int) -> builtins.list[Site]:
        """The session's sites in roster order."""
        query = (
            select(t.sites)
            .join(t.roster, t.roster.c.site_id == t.sites.c.id)
            .where(t.roster.c.session_id == session_id)
            .order_by(t.roster.c.position)
        )
        with self._db.read() as conn:
            rows = conn.execute(query).all()
        # The host is always on the roster, so an empty one means there is no session.
        if not rows:
            raise NotFound(f"no session {session_id}")
        return [site_of(row) for row in rows]

    # -- roster changes (docs/office.md, "Rosters") ---------------------------------------

    def add_site(self, session_id: int, site_id: int) -> Session:
        """Put the site last on the session's roster. ``NotFound`` without the session;
        ``InvalidInput`` (``site_id``/``not_found``) for no such site; ``Conflict``
        (``site_id``/``on_roster``) when it is on the roster already. Whether the session
        may change at all is ``bridge.use_cases``' to decide."""
        roster = t.roster.c
        with self._db.write() as conn:
            _check_session(conn, session_id)
            site = select(t.sites.c.id).where(t.sites.c.id == site_id)
            if conn.execute(site).first() is None:
                raise InvalidInput(f"no site {site_id}", field="site_id", problem="not_found")
            on = select(roster.site_id).where(
                roster.session_id == session_id, roster.site_id == site_id
            )
            if conn.execute(on).first() is not None:
                raise Conflict(
                    f"site {site_id} is on the roster of session {session_id} already",
                    field="site_id",
                    problem="on_roster",
                )
            # Positions only grow: one taken off leaves a gap, and the order stays.
            last = conn.execute(
                select(func.max(roster.position)).where(roster.session_id == session_id)
            ).scalar()
            position = 0 if last is None else last + 1
            conn.execute(
                insert(t.roster).values(session_id=session_id, site_id=site_id, position=position)
            )
            return _sessions(conn, session_id)[0]

    def remove_site(self, session_id: int, site_id: int) -> Session:
        """Take the site off the session's roster, and its join tokens for the session with
        it (its links no longer join). ``NotFound`` without the session, or (``site_id``/
        ``not_found``) when the site is not on its roster; ``Conflict`` (``site_id``/
        ``host``) for the host, which is always on it."""
        roster = t.roster.c
        tokens = t.join_tokens.c
        with self._db.write() as conn:
            host = conn.execute(
                select(t.sessions.c.host_site_id).where(t.sessions.c.id == session_id)
            ).scalar()
            if host is None:
                raise NotFound(f"no session {session_id}")
            if site_id == host:
                raise Conflict(
                    f"site {site_id} is the host of session {session_id}",
                    field="site_id",
                    problem="host",
                )
            # The foreign key takes the tokens too; said here, so it never depends on it.
            conn.execute(
                delete(t.join_tokens).where(
                    tokens.session_id == session_id, tokens.site_id == site_id
                )
            )
            gone = conn.execute(
                delete(t.roster).where(roster.session_id == session_id, roster.site_id == site_id)
            ).rowcount
            if not gone:
                raise NotFound(
                    f"site {site_id} is not on the roster of session {session_id}",
                    field="site_id",
                    problem="not_found",
                )
            return _sessions(conn, session_id)[0]

    # -- schedule ------------------------------------------------------------------------

    def set_schedule(
        self,
        session_id: int,
        starts_at: datetime | None,
        ends_at: datetime | None = None,
        test_from: datetime | None = None,
        test_until: datetime | None = None,
        *,
        calendar: Calendar = VIETNAM,
        tz: str = OFFICE_TIMEZONE,
    ) -> Schedule:
        """Replace the session's schedule whole (``starts_at`` None clears it). A schedule
        that cannot be (an end before the start, a window that closes before it opens, a
        time without its offset) is ``InvalidInput`` naming the field."""
        try:
            check_schedule(starts_at, ends_at, test_from, test_until, calendar, tz)
        except ScheduleError as exc:
            raise InvalidInput(
                str(exc), field=exc.field, problem=exc.problem, params=exc.params
            ) from None
        times = [
            None if x is None else x.astimezone(UTC)
            for x in (starts_at, ends_at, test_from, test_until)
        ]
        schedule = Schedule(*times)
        values = dict(zip(("starts_at", "ends_at", "test_from", "test_until"), times, strict=True))
        with self._db.write() as conn:
            where = t.sessions.c.id == session_id
            if conn.execute(update(t.sessions).where(where).values(**values)).rowcount == 0:
                raise NotFound(f"no session {session_id}")
        return schedule

    def schedule(self, session_id: int) -> Schedule:
        c = t.sessions.c
        query = select(c.starts_at, c.ends_at, c.test_from, c.test_until).where(c.id == session_id)
        with self._db.read() as conn:
            row = conn.execute(query).first()
        if row is None:
            raise NotFound(f"no session {session_id}")
        return Schedule(row.starts_at, row.ends_at, row.test_from, row.test_until)

    def test_window(
        self, session_id: int, *, calendar: Calendar | None = None, tz: str = OFFICE_TIMEZONE
    ) -> TestWindow | None:
        """The session's test window (None: no start set). The session is *testing* while
        it is scheduled and the window contains now. By default the working days are the
        office's own (its declared days too), as the calendar and conflicts count them."""
        if calendar is None:
            calendar = OfficeDays(self._db).calendar()
        s = self.schedule(session_id)
        return window(s.starts_at, s.test_from, s.test_until, calendar, tz)

    # -- staff ---------------------------------------------------------------------------

    def assign(self, session_id: int, account_id: int, duty: Duty | str) -> None:
        """Assign the account to the session with ``duty`` (replacing an earlier duty);
        ``duty`` is checked (``InvalidInput``)."""
        checked = parse_enum(Duty, duty, "duty")
        upsert = sqlite_insert(t.session_staff).values(
            session_id=session_id, account_id=account_id, duty=checked
        )
        upsert = upsert.on_conflict_do_update(
            index_elements=["session_id", "account_id"], set_={"duty": checked}
        )
        with self._db.write() as conn:
            _check_session(conn, session_id)
            if not _account_exists(conn, account_id):
                raise NotFound(f"no account {account_id}")
            conn.execute(upsert)

    def unassign(self, session_id: int, account_id: int) -> bool:
        """Withdraw the account from the session; whether it was assigned."""
        staff = t.session_staff.c
        query = delete(t.session_staff).where(
            staff.session_id == session_id, staff.account_id == account_id
        )
        with self._db.write() as conn:
            _check_session(conn, session_id)
            return conn.execute(query).rowcount > 0

    def staff(self, session_id: int) -> dict[int, Duty]:
        """Assigned account id -> duty."""
        with self._db.read() as conn:
            _check_session(conn, session_id)
            return _staff(conn, session_id).get(session_id, {})

    def list(self) -> builtins.list[Session]:
        """Every session, newest first."""
        with self._db.read() as conn:
            return _sessions(conn)


def _check_session(conn: Connection, session_id: int) -> None:
    query = select(t.sessions.c.id).where(t.sessions.c.id == session_id)
    if conn.execute(query).first() is None:
        raise NotFound(f"no session {session_id}")


def _account_exists(conn: Connection, account_id: int) -> bool:
    query = select(t.operators.c.id).where(t.operators.c.id == account_id)
    return conn.execute(query).first() is not None


def _staff(conn: Connection, session_id: int | None) -> dict[int, dict[int, Duty]]:
    query = select(t.session_staff).order_by(t.session_staff.c.account_id)
    if session_id is not None:
        query = query.where(t.session_staff.c.session_id == session_id)
    found: dict[int, dict[int, Duty]] = {}
    for row in conn.execute(query):
        found.setdefault(row.session_id, {})[row.account_id] = Duty(row.duty)
    return found


def _sessions(conn: Connection, session_id: int | None = None) -> builtins.list[Session]:
    """Sessions (all, or the one) newest first, each with its roster and staff, in three
    queries however many there are."""
    query = select(t.sessions).order_by(t.sessions.c.created_at.desc(), t.sessions.c.id.desc())
    members = select(t.roster.c.session_id, t.roster.c.site_id).order_by(t.roster.c.position)
    if session_id is not None:
        query = query.where(t.sessions.c.id == session_id)
        members = members.where(t.roster.c.session_id == session_id)
    rows = conn.execute(query).all()
    if not rows:
        return []
    rosters: dict[int, builtins.list[int]] = {}
    for member in conn.execute(members):
        rosters.setdefault(member.session_id, []).append(member.site_id)
    staff = _staff(conn, session_id)
    return [
        Session(
            row.id,
            row.title,
            row.host_site_id,
            SessionState(row.state),
            row.created_at,
            tuple(rosters.get(row.id, ())),
            row.organiser_id,
            staff.get(row.id, {}),
        )
        for row in rows
    ]
