"""``store.meta``: the server's own bookkeeping, a small key/value table (e.g. which
session is the demo one)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from bridge.store import schema as t
from bridge.store.engine import Database
from bridge.store.errors import clean_text

MAX_KEY_CHARS = 64


class Meta:
    def __init__(self, db: Database) -> None:
        self._db = db

    def get(self, key: str) -> str | None:
        with self._db.read() as conn:
            return conn.execute(select(t.meta.c.value).where(t.meta.c.key == key)).scalar()

    def set(self, key: str, value: str) -> None:
        key = clean_text(key, "meta key", MAX_KEY_CHARS)
        upsert = sqlite_insert(t.meta).values(key=key, value=value)
        upsert = upsert.on_conflict_do_update(index_elements=["key"], set_={"value": value})
        with self._db.write() as conn:
            conn.execute(upsert)
