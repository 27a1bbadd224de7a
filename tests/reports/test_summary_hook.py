"""The close hook the summaries hang on: ``LiveSessions.on_closed`` is told of a session
closed for good, never of one a shutdown puts away; ``SummaryWriter`` writes after the logs
are flushed, in order, and a failing write is logged, not raised."""

from __future__ import annotations

import asyncio
from pathlib import Path

from bridge.live import LiveSessions
from bridge.live.summaries import SummaryWriter
from bridge.store import Store


async def test_closing_for_good_is_told_and_a_shutdown_is_not(tmp_path: Path) -> None:
    store = Store(tmp_path / "b.sqlite3")
    sessions = LiveSessions(store, [], media_factory=lambda: None)  # type: ignore[arg-type,return-value]
    told: list[int] = []
    sessions.on_closed.append(told.append)
    await sessions.close(7, "account:op")
    await sessions.close(8, "shutdown")
    await sessions.close_all()
    assert told == [7]
    store.close()


async def test_the_writer_flushes_first_then_writes_and_survives_a_failure() -> None:
    done: list[str] = []

    async def flush() -> None:
        await asyncio.sleep(0.01)
        done.append("flushed")

    def write(session_id: int) -> None:
        if session_id == 2:
            raise RuntimeError("a broken log")
        done.append(f"wrote {session_id}")

    writer = SummaryWriter(write, [flush])
    writer.session_closed(1)
    writer.session_closed(2)
    await writer.idle()
    assert done.count("flushed") == 2 and "wrote 1" in done
    assert done.index("wrote 1") > done.index("flushed")
