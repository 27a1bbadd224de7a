"""The database: the SQLite engine, the short transactions every store call runs in, the
clock, and the migrations run on open. The repositories (``sites.py``, ``sessions.py`` …)
share one ``Database`` and hold no state of their own.

One file, WAL, foreign keys on, and transactions whose start we pick.

Python's sqlite3 module begins transactions by itself, lazily and always DEFERRED. We turn
that off and emit ``BEGIN`` ourselves (SQLAlchemy's documented recipe), so a connection
given ``execution_options(sqlite_begin="IMMEDIATE")`` takes the write lock up front.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Self

from sqlalchemy import URL, Connection, Engine, Table, create_engine, event, insert
from sqlalchemy.pool import NullPool

from bridge.store.errors import StoreError
from bridge.store.migrations import upgrade_to_head

# How long a writer waits for another's lock before giving up, in seconds.
BUSY_TIMEOUT_S = 10.0


def _set_wal(cursor: Any) -> None:
    # Switching a new file to WAL needs an exclusive lock, and SQLite answers "database is
    # locked" at once, without its busy handler, while another connection (a second
    # process opening the same new file) holds one: wait for it as the busy timeout would.
    deadline = time.monotonic() + BUSY_TIMEOUT_S
    while True:
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.01)


def open_engine(path: Path, *, foreign_keys: bool = True, pooled: bool = True) -> Engine:
    engine = create_engine(
        URL.create("sqlite", database=str(path)),
        connect_args={"timeout": BUSY_TIMEOUT_S},
        **({} if pooled else {"poolclass": NullPool}),
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        # WAL: readers never block the writer nor each other; NORMAL sync is durable
        # across application crashes in WAL mode and much faster than FULL.
        _set_wal(cursor)
        cursor.execute("PRAGMA synchronous=NORMAL")
        # SQLite enforces foreign keys only when asked to, per connection.
        cursor.execute(f"PRAGMA foreign_keys={'ON' if foreign_keys else 'OFF'}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
        conn.exec_driver_sql(f"BEGIN {mode}")

    return engine


def migrate(path: Path) -> bool:
    """Upgrade the file to the newest schema; returns whether any migration ran.

    Foreign keys are off meanwhile, as SQLite's docs ask for schema changes (a table that
    batch mode rebuilds must not cascade-delete its children), and the result is checked
    for dangling references before it commits. The IMMEDIATE transaction makes two
    processes opening one new file take turns rather than both creating the tables.
    """
    engine = open_engine(path, foreign_keys=False, pooled=False)
    try:
        with engine.connect() as conn:
            conn.execution_options(sqlite_begin="IMMEDIATE")
            with conn.begin():
                ran = upgrade_to_head(conn)
                if ran:
                    broken = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                    if broken:
                        raise StoreError(f"migration left dangling references: {broken[:5]}")
                return ran
    finally:
        engine.dispose()


def utc_now() -> datetime:
    return datetime.now(UTC)


class Database:
    """An open, migrated database file: what every part of the store is built on.

    Every call is one short transaction: reads begin DEFERRED, so under WAL they never
    wait for a writer; writes begin IMMEDIATE, so two writers queue on SQLite's lock
    instead of failing when a read transaction tries to upgrade to a write.
    """

    def __init__(self, path: str | Path, now: Callable[[], datetime] = utc_now) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._now = now
        migrate(self.path)
        self._engine = open_engine(self.path)
        self._closed = False

    def close(self) -> None:
        self._closed = True
        self._engine.dispose()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def clock(self) -> datetime:
        """Now, aware and in UTC."""
        now = self._now()
        if now.tzinfo is None:
            raise ValueError("the store's clock must return aware datetimes")
        return now.astimezone(UTC)

    def insert(
        self, conn: Connection, table: Table, values: dict[str, Any]
    ) -> tuple[int, datetime]:
        """Insert one row stamped ``created_at``; returns its id and that stamp."""
        created_at = self.clock()
        result = conn.execute(insert(table).values(**values, created_at=created_at))
        key = result.inserted_primary_key
        assert key is not None
        return int(key[0]), created_at

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A read transaction (DEFERRED: never waits for a writer under WAL)."""
        with self._connect() as conn, conn.begin():
            yield conn

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """A write transaction (IMMEDIATE: takes the write lock up front)."""
        with self._connect() as conn:
            conn.execution_options(sqlite_begin="IMMEDIATE")
            with conn.begin():
                yield conn

    def _connect(self) -> Connection:
        if self._closed:
            raise StoreError("the store is closed")
        return self._engine.connect()
