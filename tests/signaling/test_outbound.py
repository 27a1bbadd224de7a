"""The message lists are derived from the schemas, and docs/protocol.md names exactly them."""

from __future__ import annotations

import re
from pathlib import Path

from pydantic import TypeAdapter

from bridge.conference import Conference, Join, LowerHand, MediaConnected, RaiseHand, RosterSite
from bridge.conference.shown import ShownSite
from bridge.conference.video import VideoSend
from bridge.signaling import outbound
from bridge.signaling.messages import MESSAGE_TYPES

PROTOCOL = (Path(__file__).resolve().parents[2] / "docs" / "protocol.md").read_text("utf-8")
SERVER_MESSAGE: TypeAdapter[outbound.ServerMessage] = TypeAdapter(outbound.ServerMessage)


def _table(heading: str) -> set[str]:
    section = PROTOCOL.split(f"## {heading}", 1)[1].split("\n## ", 1)[0]
    return set(re.findall(r"^\| `([a-z_]+)` \|", section, re.M))


def test_the_protocol_document_lists_exactly_the_accepted_message_types():
    assert _table("Client → server") == MESSAGE_TYPES


def test_the_protocol_document_lists_exactly_the_sent_message_types():
    assert _table("Server → client") == outbound.OUTBOUND_TYPES


def test_every_builder_makes_a_message_of_its_declared_shape():
    conf = Conference(3, "Giao ban", 1, [RosterSite(1, "Trung ương", "central")])
    site = conf.site(1)
    built = [
        outbound.joined("a", site, conf, [{"urls": "stun:127.0.0.1:3478"}]),
        outbound.ready(1, "thu.ky", "operator", conf, ["site.mute"]),
        outbound.answer("v=0", None),
        outbound.roster(conf),
        outbound.site(site),
        outbound.sites([site]),
        outbound.session(conf),
        outbound.shown(ShownSite(1).state),
        outbound.floor(None),
        outbound.video(VideoSend.PREVIEW),
        outbound.meters({1: (-200.0, False)}),
        outbound.quality([]),
        outbound.profile(1, {"display": {"layout": "grid"}}),
        outbound.grid([2, None]),
        outbound.profile_status([]),
        outbound.health([]),
        outbound.pong("p"),
        outbound.error("forbidden", "Không được phép.", "x"),
        {"type": "test_begin", "test_id": "ab12", "media_ms": 10000},
        {"type": "test_ping", "n": 0, "t": 12.5},
        {
            "type": "test_probe",
            "test_id": "ab12",
            "direction": "up",
            "steps_kbps": [700.0, 1400.0, 2100.0],
            "step_ms": 1000,
        },
        {"type": "test_collect", "test_id": "ab12"},
        {
            "type": "test_result",
            "test_id": "ab12",
            "state": "ready",
            "figures": {"rtt_ms": 12.0},
            "reasons": [],
            "unmeasured": [],
        },
        {"type": "test_cancelled", "test_id": "ab12", "reason": "left"},
        outbound.readiness_testing(1),
        outbound.readiness_result(
            {
                "site_id": 1,
                "state": "warning",
                "finished_at": "2026-12-01T07:00:00+00:00",
                "source": "hall",
                "figures": {},
                "reasons": [],
                "unmeasured": [],
            }
        ),
        # D (issue 13): notices.
        outbound.notices([_notice_entry()]),
        outbound.notice(_notice_entry(withdrawn=True)),
        outbound.notice_read(4, 1, "2026-12-09T02:00:00+00:00"),
        # Issue 14: recording.
        outbound.recording(conf),
        outbound.roll_call(
            {
                "site_id": 2,
                "mark": "absent",
                "reason": "Mất điện",
                "at_site_id": None,
                "by": "account:op",
                "at": "2026-12-09T01:00:00+00:00",
            }
        ),
    ]
    assert {m["type"] for m in built} == outbound.OUTBOUND_TYPES
    for message in built:
        assert SERVER_MESSAGE.validate_python(message) == message
    assert outbound.meters({1: (-200.0, False)})["sites"][0]["level"] == -120.0


def test_a_site_event_says_who_caused_it_and_by_which_command():
    """A hall's page tells an operator's `lower_hand` from its own withdrawal by `by`."""
    conf = Conference(3, "Giao ban", 1, [RosterSite(1, "Trung ương", "central")])
    for command in (Join(1), MediaConnected(1), RaiseHand(1)):
        conf.handle(command)
    (event,) = conf.handle(LowerHand(1, by="account:thu.ky"))
    message = outbound.for_event(event, conf)
    assert message["type"] == "site"
    assert (message["by"], message["cause"]) == ("account:thu.ky", "lower_hand")
    assert SERVER_MESSAGE.validate_python(message) == message
    assert "by" not in outbound.site(conf.site(1))  # built without a cause: no empty fields


def _notice_entry(withdrawn: bool = False) -> outbound.NoticeEntry:
    from datetime import UTC, datetime

    from bridge.store.notices import Notice, NoticeFile

    at = datetime(2026, 12, 9, 2, 0, tzinfo=UTC)
    file = NoticeFile("Giấy mời.pdf", "pdf", 1234, "a" * 64)
    notice = Notice(
        4, 3, "invitation", "Giấy mời", "", file, "account:vp", at, at if withdrawn else None
    )
    entry = outbound.notice_entry(notice)
    assert "posted_by" not in entry and entry["file_name"] == "Giấy mời.pdf"
    return entry
