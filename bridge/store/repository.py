"""``Store``: the one repository API over an SQLite file (sites, sessions and their
rosters, plus the access control from ``access.py`` and a little key/value bookkeeping).

Synchronous on purpose: each call is one short transaction of well under a millisecond,
and async callers run it in a thread.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from argon2 import PasswordHasher
from sqlalchemy import Connection, Row, insert, select, update
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from bridge.store import schema as t
from bridge.store.access import Access
from bridge.store.engine import utc_now
from bridge.store.errors import Conflict, InvalidInput, NotFound, clean_text, parse_enum
from bridge.store.records import Session, SessionState, Site, SiteLevel

MAX_NAME_CHARS = 200
MAX_META_KEY_CHARS = 64


class Store(Access):
    def __init__(
        self,
        path: str | Path,
        *,
        now: Callable[[], datetime] = utc_now,
        password_hasher: PasswordHasher | None = None,
    ) -> None:
        """Open the database file at ``path`` (creating it and its folder if needed) and
        migrate it to the newest schema. ``now`` is the clock, returning aware datetimes
        (tests move it); ``password_hasher`` must hash with argon2id and defaults to
        argon2-cffi's RFC 9106 parameters."""
        super().__init__(path, now, password_hasher)

    # -- sites ---------------------------------------------------------------------------

    def create_site(self, name: str, level: SiteLevel, parent_id: int | None = None) -> Site:
        """A new site. A parent must be of a higher level (central > province > district >
        commune); names are unique among the sites under one parent."""
        name = clean_text(name, "site name", MAX_NAME_CHARS)
        level = parse_enum(SiteLevel, level, "site level")
        with self._write() as conn:
            if parent_id is not None:
                query = select(t.sites.c.level).where(t.sites.c.id == parent_id)
                parent_level = conn.execute(query).scalar()
                if parent_level is None:
                    raise InvalidInput(f"no parent site {parent_id}")
                if SiteLevel(parent_level).rank >= level.rank:
                    raise InvalidInput(f"a {level} site cannot sit under a {parent_level} site")
            same_parent = (
                t.sites.c.parent_id.is_(None)
                if parent_id is None
                else t.sites.c.parent_id == parent_id
            )
            query = select(t.sites.c.id).where(same_parent, t.sites.c.name == name)
            if conn.execute(query).first() is not None:
                raise Conflict(f"a site named {name!r} already exists there")
            values = {"name": name, "level": level, "parent_id": parent_id}
            site_id, created_at = self._insert(conn, t.sites, values)
        return Site(site_id, name, level, parent_id, created_at)

    def get_site(self, site_id: int) -> Site:
        with self._read() as conn:
            row = conn.execute(select(t.sites).where(t.sites.c.id == site_id)).first()
        if row is None:
            raise NotFound(f"no site {site_id}")
        return _site(row)

    def list_sites(self) -> list[Site]:
        with self._read() as conn:
            return [_site(row) for row in conn.execute(select(t.sites).order_by(t.sites.c.id))]

    # -- sessions ------------------------------------------------------------------------

    def create_session(
        self,
        title: str,
        host_site_id: int,
        roster: Sequence[int],
        state: SessionState = SessionState.SCHEDULED,
    ) -> Session:
        """A new session. The roster keeps the given order; the host site is put first
        when it is not on it already."""
        title = clean_text(title, "session title", MAX_NAME_CHARS)
        state = parse_enum(SessionState, state, "session state")
        site_ids = list(roster)
        if host_site_id not in site_ids:
            site_ids.insert(0, host_site_id)
        if len(set(site_ids)) != len(site_ids):
            raise InvalidInput("a site appears more than once on the roster")
        with self._write() as conn:
            known = set(conn.scalars(select(t.sites.c.id).where(t.sites.c.id.in_(site_ids))))
            missing = [site_id for site_id in site_ids if site_id not in known]
            if missing:
                raise InvalidInput(f"no such sites: {missing}")
            values = {"title": title, "host_site_id": host_site_id, "state": state}
            session_id, created_at = self._insert(conn, t.sessions, values)
            conn.execute(
                insert(t.roster),
                [
                    {"session_id": session_id, "site_id": site_id, "position": position}
                    for position, site_id in enumerate(site_ids)
                ],
            )
        return Session(session_id, title, host_site_id, state, created_at, tuple(site_ids))

    def get_session(self, session_id: int) -> Session:
        with self._read() as conn:
            found = _sessions(conn, session_id)
        if not found:
            raise NotFound(f"no session {session_id}")
        return found[0]

    def list_sessions(self) -> list[Session]:
        """Every session, newest first."""
        with self._read() as conn:
            return _sessions(conn)

    def set_session_state(self, session_id: int, state: SessionState) -> Session:
        """Move a session to ``state``. Closing is final: a closed session never reopens."""
        state = parse_enum(SessionState, state, "session state")
        with self._write() as conn:
            where = t.sessions.c.id == session_id
            current = conn.execute(select(t.sessions.c.state).where(where)).scalar()
            if current is None:
                raise NotFound(f"no session {session_id}")
            if current == SessionState.CLOSED and state != SessionState.CLOSED:
                raise InvalidInput("a closed session cannot be reopened")
            if current != state:
                conn.execute(update(t.sessions).where(where).values(state=state))
            return _sessions(conn, session_id)[0]

    def roster_sites(self, session_id: int) -> list[Site]:
        """The session's sites in roster order."""
        query = (
            select(t.sites)
            .join(t.roster, t.roster.c.site_id == t.sites.c.id)
            .where(t.roster.c.session_id == session_id)
            .order_by(t.roster.c.position)
        )
        with self._read() as conn:
            rows = conn.execute(query).all()
        # The host is always on the roster, so an empty one means there is no session.
        if not rows:
            raise NotFound(f"no session {session_id}")
        return [_site(row) for row in rows]

    # -- the server's own bookkeeping ----------------------------------------------------

    def get_meta(self, key: str) -> str | None:
        with self._read() as conn:
            return conn.execute(select(t.meta.c.value).where(t.meta.c.key == key)).scalar()

    def set_meta(self, key: str, value: str) -> None:
        key = clean_text(key, "meta key", MAX_META_KEY_CHARS)
        upsert = sqlite_insert(t.meta).values(key=key, value=value)
        upsert = upsert.on_conflict_do_update(index_elements=["key"], set_={"value": value})
        with self._write() as conn:
            conn.execute(upsert)


def _sessions(conn: Connection, session_id: int | None = None) -> list[Session]:
    """Sessions (all, or the one) newest first, each with its roster, in two queries."""
    query = select(t.sessions).order_by(t.sessions.c.created_at.desc(), t.sessions.c.id.desc())
    members = select(t.roster.c.session_id, t.roster.c.site_id).order_by(t.roster.c.position)
    if session_id is not None:
        query = query.where(t.sessions.c.id == session_id)
        members = members.where(t.roster.c.session_id == session_id)
    rows = conn.execute(query).all()
    if not rows:
        return []
    rosters: dict[int, list[int]] = {}
    for member in conn.execute(members):
        rosters.setdefault(member.session_id, []).append(member.site_id)
    return [
        Session(
            row.id,
            row.title,
            row.host_site_id,
            SessionState(row.state),
            row.created_at,
            tuple(rosters.get(row.id, ())),
        )
        for row in rows
    ]


def _site(row: Row[Any]) -> Site:
    return Site(row.id, row.name, SiteLevel(row.level), row.parent_id, row.created_at)
