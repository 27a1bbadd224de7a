"""The live shell of recording (bridge/live/recording.py), in process: a real SQLite store,
the fake media of tests/live/fakes.py fed real Opus packets as the mixer would, a real
``Recorder`` writing a real file. Started and stopped with the conference, taken up after a
restart in a new file, started by a booking that asked for it (once), purged after its
retention — each in the store and the audit log."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from bridge.conference import SetRecording, ShowSite
from bridge.live import LiveSessions
from bridge.live.recording import BY_BOOKING, BY_RETENTION, LiveRecordings
from bridge.mixer.opus import OpusEncoder
from bridge.recording import manifest_path, verify
from bridge.store import SessionState, Store
from tests.live.fakes import FakeMedia, FakeParticipant


class Audit:
    def __init__(self) -> None:
        self.records: list[tuple[int | None, str, str, dict[str, Any]]] = []

    def __call__(self, session_id: int | None, by: str, action: str, **detail: Any) -> None:
        self.records.append((session_id, by, action, detail))

    def actions(self) -> list[str]:
        return [r[2] for r in self.records]


@pytest.fixture
def store(tmp_path: Path) -> Store:
    opened = Store(tmp_path / "bridge.sqlite3")
    yield opened
    opened.close()


def open_session(store: Store) -> tuple[int, list[int]]:
    host = store.sites.create("Trung ương", "central")
    other = store.sites.create("Tỉnh Lào Cai", "province", host.id)
    session = store.sessions.create("Giao ban", host.id, [host.id, other.id], SessionState.OPEN)
    return session.id, [host.id, other.id]


def bridge_on(
    store: Store, folder: Path
) -> tuple[LiveSessions, LiveRecordings, Audit, list[FakeMedia]]:
    medias: list[FakeMedia] = []

    def media() -> FakeMedia:
        medias.append(FakeMedia())
        return medias[-1]

    sessions = LiveSessions(store, [], media)  # type: ignore[arg-type]
    audit = Audit()
    recordings = LiveRecordings(store, folder, audit)
    sessions.on_open.append(recordings.attach)
    return sessions, recordings, audit, medias


async def talk(media: FakeMedia, seconds: float) -> None:
    """The mixer's shared payload every 20 ms for ``seconds``, as the mixer hands it."""
    encoder = OpusEncoder(64_000)
    tone = 0.1 * np.sin(2 * np.pi * 440 * np.arange(960) / 48_000).astype(np.float32)
    for tick in range(int(seconds * 50)):
        media.sink.audio(encoder.encode(tone), tick * 960)
        await asyncio.sleep(0.02)


async def test_recording_follows_the_conference_into_a_complete_row(
    store: Store, tmp_path: Path
) -> None:
    session_id, (_, other) = open_session(store)
    sessions, recordings, audit, medias = bridge_on(store, tmp_path / "recordings")
    live = await sessions.get(session_id)
    live.attach_site(other, FakeParticipant("other"))
    live.command(SetRecording(True, "account:op"))
    media = medias[0]
    assert media.sink is not None
    assert live.conference.recording_since is not None
    live.command(ShowSite(other, "account:op"))
    await talk(media, 1.0)
    live.command(SetRecording(False, "account:op"))
    assert media.sink is None  # the media no longer feeds it
    await recordings.drain()
    (row,) = store.recordings.for_session(session_id)
    assert row.state == "complete" and row.started_by == "account:op"
    assert row.codec is None  # no video arrived: audio only
    assert 0.5 <= (row.duration_s or 0) <= 1.5
    assert row.chapters and row.chapters[0]["start_s"] == 0.0  # named halls: tests/e2e
    path = recordings.path_of(row)
    assert path.is_file() and manifest_path(path).is_file() and verify(path)
    assert audit.actions() == ["recording_started", "recording_complete"]
    assert audit.records[1][3]["sha256"] == row.sha256


async def test_closing_a_recorded_session_finishes_its_file(store: Store, tmp_path: Path) -> None:
    session_id, _ = open_session(store)
    sessions, recordings, _, medias = bridge_on(store, tmp_path / "recordings")
    live = await sessions.get(session_id)
    live.command(SetRecording(True, "account:op"))
    await talk(medias[0], 0.4)
    await sessions.close(session_id, "account:op")
    await recordings.drain()
    (row,) = store.recordings.for_session(session_id)
    assert row.state == "complete"


async def test_nothing_to_record_leaves_a_failed_row(store: Store, tmp_path: Path) -> None:
    session_id, _ = open_session(store)
    sessions, recordings, audit, _ = bridge_on(store, tmp_path / "recordings")
    live = await sessions.get(session_id)
    live.command(SetRecording(True, "account:op"))
    await asyncio.sleep(0.05)
    live.command(SetRecording(False, "account:op"))
    await recordings.drain()
    (row,) = store.recordings.for_session(session_id)
    assert row.state == "failed"
    assert audit.actions() == ["recording_started", "recording_failed"]


async def test_a_restart_records_on_in_a_new_file(store: Store, tmp_path: Path) -> None:
    session_id, _ = open_session(store)
    first, _, _, medias = bridge_on(store, tmp_path / "recordings")
    live = await first.get(session_id)
    live.command(SetRecording(True, "account:op"))
    await talk(medias[0], 0.2)
    await first.keeper.flush()
    # The process dies; the next start fails the cut-off recording and takes the session up.
    assert [r.state for r in store.recordings.fail_unfinished()] == ["failed"]
    second, recordings, _, medias = bridge_on(store, tmp_path / "recordings")
    assert await second.reopen() == [session_id]
    back = second.find(session_id)
    assert back is not None and back.conference.recording
    assert back.conference.recording_since is not None  # since the new file
    assert medias[0].sink is not None
    await talk(medias[0], 0.4)
    await second.close(session_id, "account:op")
    await recordings.drain()
    assert [r.state for r in store.recordings.for_session(session_id)] == ["failed", "complete"]


async def test_a_booking_that_asked_for_it_starts_recording_once(
    store: Store, tmp_path: Path
) -> None:
    session_id, _ = open_session(store)
    store.recordings.set_session_record(session_id, True)
    sessions, recordings, _, _ = bridge_on(store, tmp_path / "recordings")
    live = await sessions.get(session_id)
    for _ in range(100):
        if live.conference.recording:
            break
        await asyncio.sleep(0.01)
    assert live.conference.recording
    await asyncio.sleep(0.05)
    (row,) = store.recordings.for_session(session_id)
    assert row.started_by == BY_BOOKING
    # The operator stops it; the session opened again (a restart, everyone gone) is not
    # recorded again by itself: the operator decided.
    live.command(SetRecording(False, "account:op"))
    await recordings.drain()
    await sessions.close(session_id, "shutdown")
    again, _, _, _ = bridge_on(store, tmp_path / "recordings")
    live = await again.get(session_id)
    await asyncio.sleep(0.1)
    assert not live.conference.recording
    assert len(store.recordings.for_session(session_id)) == 1


async def test_the_purge_deletes_old_files_and_keeps_their_rows(
    store: Store, tmp_path: Path
) -> None:
    session_id, _ = open_session(store)
    folder = tmp_path / "recordings"
    folder.mkdir()
    now = datetime(2027, 6, 1, tzinfo=UTC)
    old = store.recordings.start(session_id, "old.webm", "account:op", now - timedelta(days=400))
    store.recordings.complete(
        old.id, ended_at=now, bytes=3, sha256="0" * 64, duration_s=1.0, codec=None, chapters=[]
    )
    new = store.recordings.start(session_id, "new.webm", "account:op", now - timedelta(days=10))
    store.recordings.fail(new.id)
    for name in ("old.webm", "old.webm.manifest.json", "new.webm"):
        (folder / name).write_bytes(b"abc")
    audit = Audit()
    recordings = LiveRecordings(store, folder, audit, retention_days=365, now=lambda: now)
    assert await recordings.purge() == [old.id]
    assert sorted(p.name for p in folder.iterdir()) == ["new.webm"]
    assert store.recordings.get(old.id).state == "deleted"
    assert store.recordings.get(new.id).state == "failed"
    assert audit.records == [
        (
            session_id,
            BY_RETENTION,
            "recording_deleted",
            {"recording_id": old.id, "file": "old.webm", "retention_days": 365},
        )
    ]
    assert await recordings.purge() == []
