"""``store.notices``: a session's official notices (invitation, agenda, documents) and the
halls' read receipts.

A notice is posted with its text and, optionally, a document already stored by its
SHA-256 (``bridge.notices.files``: the bytes never pass through the database). It is
withdrawn, never deleted. A receipt is kept once per notice and site: the first read.
"""

from __future__ import annotations

import builtins
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Row, insert, select, update
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from bridge.store import schema as t
from bridge.store.engine import Database
from bridge.store.errors import InvalidInput, NotFound, clean_text

KINDS = tuple(t.NOTICE_KINDS)
MAX_TITLE_CHARS = 300
MAX_BODY_CHARS = 10_000


@dataclass(frozen=True, slots=True)
class NoticeFile:
    """A stored document: the name the hall saves it as, its type (``pdf``, ``docx``…),
    its size in bytes and the SHA-256 its file is stored under."""

    name: str
    type: str
    size: int
    sha256: str


@dataclass(frozen=True, slots=True)
class Notice:
    id: int
    session_id: int
    kind: str
    title: str
    body: str
    file: NoticeFile | None
    posted_by: str
    posted_at: datetime
    withdrawn_at: datetime | None

    @property
    def withdrawn(self) -> bool:
        return self.withdrawn_at is not None


@dataclass(frozen=True, slots=True)
class NoticeRead:
    notice_id: int
    site_id: int
    read_at: datetime


class Notices:
    def __init__(self, db: Database) -> None:
        self._db = db

    def post(
        self,
        session_id: int,
        kind: str,
        title: str,
        body: str = "",
        file: NoticeFile | None = None,
        *,
        by: str,
    ) -> Notice:
        if kind not in KINDS:
            raise InvalidInput(
                f"{kind!r} is not a notice kind",
                field="kind",
                problem="not_allowed",
                params={"choices": list(KINDS)},
            )
        title = clean_text(title, "notice title", MAX_TITLE_CHARS)
        body = (body or "").strip()
        if len(body) > MAX_BODY_CHARS:
            raise InvalidInput(
                "notice body too long",
                field="body",
                problem="too_long",
                params={"limit": MAX_BODY_CHARS, "unit": "characters"},
            )
        posted_at = self._db.clock()
        values: dict[str, Any] = {
            "session_id": session_id,
            "kind": kind,
            "title": title,
            "body": body,
            "posted_by": by,
            "posted_at": posted_at,
        }
        if file is not None:
            values |= {
                "file_name": file.name,
                "file_type": file.type,
                "file_size": file.size,
                "file_sha256": file.sha256,
            }
        with self._db.write() as conn:
            found = select(t.sessions.c.id).where(t.sessions.c.id == session_id)
            if conn.execute(found).first() is None:
                raise NotFound(f"no session {session_id}")
            key = conn.execute(insert(t.notices).values(**values)).inserted_primary_key
        assert key is not None
        return Notice(int(key[0]), session_id, kind, title, body, file, by, posted_at, None)

    def get(self, session_id: int, notice_id: int) -> Notice:
        """The session's notice; ``NotFound`` for another session's (never told apart)."""
        with self._db.read() as conn:
            row = conn.execute(
                select(t.notices).where(
                    t.notices.c.id == notice_id, t.notices.c.session_id == session_id
                )
            ).first()
        if row is None:
            raise NotFound(f"no notice {notice_id} in session {session_id}", field="notice_id")
        return notice_of(row)

    def list(self, session_id: int, *, withdrawn: bool = True) -> builtins.list[Notice]:
        """The session's notices, oldest first (``withdrawn=False``: those still in force)."""
        query = select(t.notices).where(t.notices.c.session_id == session_id)
        if not withdrawn:
            query = query.where(t.notices.c.withdrawn_at.is_(None))
        with self._db.read() as conn:
            return [notice_of(row) for row in conn.execute(query.order_by(t.notices.c.id))]

    def withdraw(self, session_id: int, notice_id: int) -> Notice:
        """Withdraw the notice (a second time changes nothing: the first time is kept)."""
        with self._db.write() as conn:
            conn.execute(
                update(t.notices)
                .where(
                    t.notices.c.id == notice_id,
                    t.notices.c.session_id == session_id,
                    t.notices.c.withdrawn_at.is_(None),
                )
                .values(withdrawn_at=self._db.clock())
            )
        return self.get(session_id, notice_id)

    def mark_read(self, notice_id: int, site_id: int) -> tuple[NoticeRead, bool]:
        """The site's receipt of the notice, and whether it is new (only the first read
        is kept: a page that reopens a notice changes nothing)."""
        now = self._db.clock()
        with self._db.write() as conn:
            result = conn.execute(
                sqlite_insert(t.notice_reads)
                .values(notice_id=notice_id, site_id=site_id, read_at=now)
                .on_conflict_do_nothing()
            )
            created = result.rowcount == 1
            row = conn.execute(
                select(t.notice_reads).where(
                    t.notice_reads.c.notice_id == notice_id, t.notice_reads.c.site_id == site_id
                )
            ).one()
        return NoticeRead(row.notice_id, row.site_id, row.read_at), created

    def reads(self, session_id: int) -> dict[int, builtins.list[NoticeRead]]:
        """Every receipt of the session's notices, by notice, first read first."""
        query = (
            select(t.notice_reads)
            .join(t.notices, t.notices.c.id == t.notice_reads.c.notice_id)
            .where(t.notices.c.session_id == session_id)
            .order_by(t.notice_reads.c.read_at, t.notice_reads.c.site_id)
        )
        found: dict[int, builtins.list[NoticeRead]] = {}
        with self._db.read() as conn:
            for row in conn.execute(query):
                found.setdefault(row.notice_id, []).append(
                    NoticeRead(row.notice_id, row.site_id, row.read_at)
                )
        return found

    def referenced(self, sha256: str) -> bool:
        """Whether any notice names this stored file."""
        with self._db.read() as conn:
            query = select(t.notices.c.id).where(t.notices.c.file_sha256 == sha256).limit(1)
            return conn.execute(query).first() is not None


def notice_of(row: Row[Any]) -> Notice:
    file = None
    if row.file_sha256 is not None:
        file = NoticeFile(row.file_name, row.file_type, int(row.file_size), row.file_sha256)
    return Notice(
        row.id,
        row.session_id,
        row.kind,
        row.title,
        row.body,
        file,
        row.posted_by,
        row.posted_at,
        row.withdrawn_at,
    )
