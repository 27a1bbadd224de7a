"""``store.recordings``: a recording's life in the store, its access log, retention, and the
record flag of a session and its booking."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bridge.store import SiteLevel, Store
from bridge.store.bookings import NewBooking, Times
from bridge.store.errors import Conflict, NotFound
from tests.store.conftest import Clock


@pytest.fixture
def session_id(store: Store) -> int:
    host = store.sites.create("Trung ương", SiteLevel.CENTRAL)
    return store.sessions.create("Giao ban", host.id, [host.id]).id


def test_a_recording_from_start_to_complete(store: Store, session_id: int, clock: Clock) -> None:
    started = store.recordings.start(session_id, "session-1-20250301T080000Z.webm", "account:kt")
    assert started.state == "recording" and started.started_at == clock.now
    assert started.chapters == [] and started.sha256 is None
    assert store.recordings.recording_now([session_id, 999]) == {session_id}
    clock.advance(timedelta(minutes=30))
    chapters = [{"start_s": 0.0, "title": "Trình chiếu: Lào Cai"}]
    done = store.recordings.complete(
        started.id,
        ended_at=clock.now,
        bytes=1234,
        sha256="ab" * 32,
        duration_s=1800.2,
        codec="vp8",
        chapters=chapters,
    )
    assert (done.state, done.bytes, done.duration_s, done.codec) == (
        "complete",
        1234,
        1800.2,
        "vp8",
    )
    assert done.chapters == chapters  # Vietnamese kept as it is
    assert store.recordings.for_session(session_id) == [done]
    assert store.recordings.recording_now([session_id]) == set()
    # Finished once: a second finish is refused.
    with pytest.raises(Conflict):
        store.recordings.fail(started.id)


def test_unknown_session_and_recording(store: Store) -> None:
    with pytest.raises(NotFound):
        store.recordings.start(404, "x.webm", "account:kt")
    with pytest.raises(NotFound) as missing:
        store.recordings.get(404)
    assert missing.value.field == "recording_id"


def test_unfinished_recordings_fail_on_the_next_start(store: Store, session_id: int) -> None:
    cut = store.recordings.start(session_id, "a.webm", "account:kt")
    (failed,) = store.recordings.fail_unfinished()
    assert failed.id == cut.id and failed.state == "failed" and failed.ended_at is not None
    assert store.recordings.fail_unfinished() == []


def test_every_access_is_logged_in_order(store: Store, session_id: int, clock: Clock) -> None:
    rec = store.recordings.start(session_id, "a.webm", "account:kt")
    store.recordings.log_access(rec.id, "account:to.chuc", "download")
    clock.advance(timedelta(seconds=5))
    store.recordings.log_access(rec.id, "account:van.phong", "manifest")
    assert [(a.by, a.action) for a in store.recordings.access(rec.id)] == [
        ("account:to.chuc", "download"),
        ("account:van.phong", "manifest"),
    ]
    with pytest.raises(ValueError):
        store.recordings.log_access(rec.id, "x", "delete")


def test_retention_finds_only_finished_old_recordings(
    store: Store, session_id: int, clock: Clock
) -> None:
    old = store.recordings.start(session_id, "old.webm", "account:kt")
    store.recordings.fail(old.id)
    clock.advance(timedelta(days=400))
    live = store.recordings.start(session_id, "live.webm", "account:kt")
    cutoff = clock.now - timedelta(days=365)
    assert [r.id for r in store.recordings.expired(cutoff)] == [old.id]
    assert store.recordings.mark_deleted(old.id).state == "deleted"
    assert store.recordings.expired(cutoff) == []
    assert store.recordings.get(live.id).state == "recording"


def test_the_record_flag_of_a_session_and_of_its_booking(store: Store, session_id: int) -> None:
    assert store.recordings.wants_recording(session_id) is False
    store.recordings.set_session_record(session_id, True)
    assert store.recordings.wants_recording(session_id) is True
    store.recordings.set_session_record(session_id, False)
    host = store.sessions.get(session_id).host_site_id
    start = datetime(2025, 3, 6, 2, tzinfo=UTC)
    booking = store.bookings.create(
        NewBooking("Giao ban", host, (), Times(start, start + timedelta(hours=2)), None),
        "account:to.chuc",
    )
    assert store.recordings.booking_record(booking.id) is False
    store.recordings.set_booking_record(booking.id, True)
    assert store.recordings.booking_record(booking.id) is True
    assert store.recordings.wants_recording(session_id) is False  # not linked yet
    store.bookings.link_session(booking.id, session_id)
    assert store.recordings.wants_recording(session_id) is True
    with pytest.raises(NotFound):
        store.recordings.set_booking_record(999, True)
