"""Recording in the conference domain: on, off, since when, closing, a restart."""

import json
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from bridge.conference import (
    CloseSession,
    Conference,
    RecordingChanged,
    RosterSite,
    SessionChanged,
    SetRecording,
)
from bridge.conference.snapshot import from_json, to_json
from bridge.live.audit import record_of

ROSTER = [RosterSite(1, "Trung ương", "central"), RosterSite(2, "Lào Cai", "province")]
T0 = datetime(2026, 12, 2, 8, 0, tzinfo=UTC)


def fresh() -> Conference:
    return Conference(7, "Giao ban", 1, ROSTER)


def test_starting_records_who_and_since_when():
    c = fresh()
    assert not c.recording and c.recording_since is None
    events = c.handle(SetRecording(True, "account:kt"), T0)
    assert events == [RecordingChanged(True)]
    (event,) = events
    assert (event.by, event.at, event.cause) == ("account:kt", T0, "set_recording")
    assert c.recording and c.recording_since == T0


def test_asking_for_what_already_is_changes_nothing():
    c = fresh()
    assert c.handle(SetRecording(False, "account:kt"), T0) == []
    c.handle(SetRecording(True, "account:kt"), T0)
    later = T0 + timedelta(minutes=5)
    assert c.handle(SetRecording(True, "account:other"), later) == []
    assert c.recording_since == T0  # still the first start


def test_stopping_clears_since():
    c = fresh()
    c.handle(SetRecording(True, "account:kt"), T0)
    (event,) = c.handle(SetRecording(False, "account:kt"), T0 + timedelta(seconds=30))
    assert event == RecordingChanged(False)
    assert not c.recording and c.recording_since is None


def test_closing_stops_the_recording_first():
    c = fresh()
    c.handle(SetRecording(True, "account:kt"), T0)
    events = c.handle(CloseSession("account:kt"), T0 + timedelta(hours=1))
    assert events[0] == RecordingChanged(False)
    assert events[0].cause == "close_session"
    assert events[1] == SessionChanged("closed")
    assert not c.recording
    # A closed session is recorded no more.
    assert c.handle(SetRecording(True, "account:kt"), T0 + timedelta(hours=2)) == []


def test_closing_an_unrecorded_session_says_nothing_of_recording():
    c = fresh()
    events = c.handle(CloseSession("account:kt"), T0)
    assert not any(isinstance(e, RecordingChanged) for e in events)


def test_audit_detail_names_the_state():
    c = fresh()
    (event,) = c.handle(SetRecording(True, "account:kt"), T0)
    record = record_of(7, event)
    assert (record.action, record.by, record.detail) == (
        "set_recording",
        "account:kt",
        {"recording": True},
    )


def test_snapshot_keeps_recording_and_a_restart_takes_it_up():
    c = fresh()
    c.handle(SetRecording(True, "account:kt"), T0)
    snapshot = c.snapshot()
    assert snapshot.recording
    again = Conference(7, "Giao ban", 1, ROSTER)
    again.restore(from_json(json.loads(json.dumps(to_json(snapshot)))))
    assert again.recording
    assert again.recording_since is None  # the live shell starts a new file and says when


def test_an_old_snapshot_without_the_field_is_not_recording():
    doc = to_json(fresh().snapshot())
    del doc["recording"]
    assert from_json(doc).recording is False


@given(st.lists(st.booleans(), max_size=30))
def test_events_alternate_and_state_is_the_last_asked(asks: list[bool]):
    c = fresh()
    seen: list[bool] = []
    for i, on in enumerate(asks):
        for e in c.handle(SetRecording(on, "account:kt"), T0 + timedelta(seconds=i)):
            assert isinstance(e, RecordingChanged)
            seen.append(e.recording)
    assert c.recording == (asks[-1] if asks else False)
    # Only real changes: on, off, on, … starting with on.
    assert seen == [i % 2 == 0 for i in range(len(seen))]
    assert (c.recording_since is None) == (not c.recording)
