"""``store.office_days``, ``store.notifications`` and the e-mail addresses of accounts and
sites: what the office declares, and what everyone involved in a booking is told.

A declared day is a compensatory day off or a working Saturday the office announces each
year (``bridge.bookings.calendar.OfficeCalendar`` counts them); a notification is one line
for one account or one hall, in both languages, read or not.
"""

from __future__ import annotations

import builtins
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Table, delete, extract, insert, select, update

from bridge.bookings.calendar import DeclaredDay, OfficeCalendar
from bridge.store import schema as t
from bridge.store.engine import Database
from bridge.store.errors import InvalidInput, NotFound, parse_enum

MAX_NOTE_CHARS = 200
MAX_EMAIL_CHARS = 320
MAX_PAGE = 200
# Enough to refuse what is plainly no address; the mail server decides the rest.
_EMAIL = re.compile(r"^[^@\s<>,;\"]{1,64}@[^@\s<>,;\"]{1,255}\.[^@\s<>,;\".]{2,63}$")


@dataclass(frozen=True, slots=True)
class OfficeDay:
    day: date
    kind: str  # "off" | "working"
    note: str


@dataclass(frozen=True, slots=True)
class NewNotification:
    kind: str
    vi: str
    en: str
    account_id: int | None = None
    site_id: int | None = None
    session_id: int | None = None
    booking_id: int | None = None


@dataclass(frozen=True, slots=True)
class Notification:
    id: int
    account_id: int | None
    site_id: int | None
    session_id: int | None
    booking_id: int | None
    kind: str
    vi: str
    en: str
    created_at: datetime
    read_at: datetime | None


class OfficeDays:
    def __init__(self, db: Database) -> None:
        self._db = db

    def list(self, year: int | None = None) -> builtins.list[OfficeDay]:
        c = t.office_days.c
        query = select(t.office_days).order_by(c.day)
        if year is not None:
            query = query.where(extract("year", c.day) == year)
        with self._db.read() as conn:
            return [OfficeDay(r.day, r.kind, r.note) for r in conn.execute(query)]

    def calendar(self) -> OfficeCalendar:
        """The office's working days: the holiday library's, and the days declared here."""
        return OfficeCalendar.from_days(
            DeclaredDay(d.day, d.kind, d.note)  # type: ignore[arg-type]
            for d in self.list()
        )

    def declare(self, days: Sequence[OfficeDay], *, replace_year: int | None = None) -> None:
        """Declare the days (replacing what was declared for each); with ``replace_year``,
        that year's other declared days are withdrawn (every day given must be in it)."""
        rows = []
        for index, day in enumerate(days):
            kind = parse_enum(DayKind, day.kind, "office day kind")
            note = (day.note or "").strip()
            if len(note) > MAX_NOTE_CHARS:
                raise InvalidInput(
                    f"note: at most {MAX_NOTE_CHARS} characters",
                    field=f"days[{index}].note",
                    problem="too_long",
                    params={"limit": MAX_NOTE_CHARS, "unit": "characters"},
                )
            if replace_year is not None and day.day.year != replace_year:
                raise InvalidInput(
                    f"{day.day} is not in {replace_year}",
                    field=f"days[{index}].date",
                    problem="invalid",
                )
            rows.append({"day": day.day, "kind": str(kind), "note": note})
        if len({r["day"] for r in rows}) != len(rows):
            raise InvalidInput("a day is given twice", field="days", problem="duplicate")
        c = t.office_days.c
        with self._db.write() as conn:
            if replace_year is not None:
                conn.execute(delete(t.office_days).where(extract("year", c.day) == replace_year))
            elif rows:
                conn.execute(delete(t.office_days).where(c.day.in_([r["day"] for r in rows])))
            if rows:
                conn.execute(insert(t.office_days), rows)


class DayKind(StrEnum):
    OFF = "off"  # a compensatory day off
    WORKING = "working"  # a working Saturday (or Sunday)


class Notifications:
    def __init__(self, db: Database) -> None:
        self._db = db

    def add(self, notes: Iterable[NewNotification]) -> builtins.list[int]:
        """Write the notifications in one transaction; their ids."""
        rows = [
            {
                "account_id": n.account_id,
                "site_id": n.site_id,
                "session_id": n.session_id,
                "booking_id": n.booking_id,
                "kind": n.kind,
                "vi": n.vi,
                "en": n.en,
            }
            for n in notes
        ]
        ids = []
        with self._db.write() as conn:
            now = self._db.clock()
            for row in rows:
                key = conn.execute(
                    insert(t.notifications).values(**row, created_at=now)
                ).inserted_primary_key
                assert key is not None
                ids.append(int(key[0]))
        return ids

    def for_account(self, account_id: int, limit: int = MAX_PAGE) -> builtins.list[Notification]:
        """The account's notifications, newest first."""
        c = t.notifications.c
        return self._query(c.account_id == account_id, limit)

    def for_site(self, site_id: int, limit: int = MAX_PAGE) -> builtins.list[Notification]:
        c = t.notifications.c
        return self._query(c.site_id == site_id, limit)

    def for_booking(self, booking_id: int) -> builtins.list[Notification]:
        c = t.notifications.c
        return self._query(c.booking_id == booking_id, 10_000)

    def _query(self, where: object, limit: int) -> builtins.list[Notification]:
        c = t.notifications.c
        query = (
            select(t.notifications)
            .where(where)  # type: ignore[arg-type]
            .order_by(c.id.desc())
            .limit(max(0, min(limit, 10_000)))
        )
        with self._db.read() as conn:
            return [
                Notification(
                    r.id,
                    r.account_id,
                    r.site_id,
                    r.session_id,
                    r.booking_id,
                    r.kind,
                    r.vi,
                    r.en,
                    r.created_at,
                    r.read_at,
                )
                for r in conn.execute(query)
            ]

    def mark_read(self, notification_id: int, *, account_id: int) -> Notification:
        """The account's notification, read now (once: a second read keeps the first
        time). Someone else's is ``NotFound``, as one that does not exist."""
        c = t.notifications.c
        where = (c.id == notification_id) & (c.account_id == account_id)
        with self._db.write() as conn:
            now = self._db.clock()
            found = conn.execute(select(c.id).where(where)).first()
            if found is None:
                raise NotFound(f"no notification {notification_id}")
            conn.execute(
                update(t.notifications).where(where, c.read_at.is_(None)).values(read_at=now)
            )
        return next(n for n in self._query(c.id == notification_id, 1))


class Emails:
    """The e-mail addresses of accounts and sites (NULL: not e-mailed)."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def set_account(self, account_id: int, email: str | None) -> None:
        self._set(t.operators, account_id, email, "account")

    def set_site(self, site_id: int, email: str | None) -> None:
        self._set(t.sites, site_id, email, "site")

    def accounts(self, ids: Iterable[int]) -> dict[int, str]:
        return self._get(t.operators, ids)

    def sites(self, ids: Iterable[int]) -> dict[int, str]:
        return self._get(t.sites, ids)

    def _set(self, table: Table, row_id: int, email: str | None, what: str) -> None:
        value = check_email(email)
        with self._db.write() as conn:
            done = conn.execute(
                update(table).where(table.c.id == row_id).values(email=value)
            ).rowcount
        if not done:
            raise NotFound(f"no {what} {row_id}")

    def _get(self, table: Table, ids: Iterable[int]) -> dict[int, str]:
        wanted = sorted(set(ids))
        if not wanted:
            return {}
        query = select(table.c.id, table.c.email).where(
            table.c.id.in_(wanted), table.c.email.is_not(None)
        )
        with self._db.read() as conn:
            return {row.id: row.email for row in conn.execute(query)}


def check_email(email: str | None) -> str | None:
    """The address, trimmed, or None for none; ``InvalidInput`` for what is no address."""
    if email is None or not email.strip():
        return None
    value = email.strip()
    if len(value) > MAX_EMAIL_CHARS or not _EMAIL.match(value):
        raise InvalidInput(f"{value!r} is not an e-mail address", field="email", problem="invalid")
    return value
