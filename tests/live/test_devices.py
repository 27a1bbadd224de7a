"""The halls' profiles in a live session, in process: what each hall is sent, what the
consoles are told of what it applied, the mixer's input gain, and the devices' health."""

from __future__ import annotations

import json
from typing import Any

from bridge.profiles.schema import Profile
from bridge.signaling.messages import parse_client_message
from tests.live.fakes import FakeParticipant
from tests.live.test_session import HOST, LAO_CAI, QUANG_TRI, join, make_live


def _profile(**sections: Any) -> Profile:
    return Profile.model_validate(sections)


def _of(p: FakeParticipant, kind: str) -> list[Any]:
    return [m for m in p.sent if m["type"] == kind]


def _report(text: str) -> dict[str, Any]:
    """A hall's message as the WebSocket handler hands it on: validated, then a dict."""
    return parse_client_message(text).model_dump(exclude={"id", "type"})


async def test_a_hall_is_sent_its_profile_on_joining_and_each_change_at_once():
    live, _media = make_live()
    live.set_profiles({LAO_CAI: _profile(display={"layout": "grid"})})
    hall = await join(live, LAO_CAI)
    other = await join(live, QUANG_TRI)
    sent = _of(hall, "profile")
    assert len(sent) == 1 and sent[0]["profile"]["display"]["layout"] == "grid"
    first = sent[0]["revision"]
    assert _of(other, "profile")[0]["profile"] == Profile().model_dump(mode="json")
    # A change reaches only the hall it concerns, with a higher revision.
    changed = live.set_profiles(
        {LAO_CAI: _profile(display={"layout": "full"}), QUANG_TRI: Profile()}
    )
    assert changed == [LAO_CAI]
    assert [m["revision"] > first for m in _of(hall, "profile")] == [False, True]
    assert len(_of(other, "profile")) == 1
    # The same profile again is no change: nothing sent.
    assert live.set_profiles({LAO_CAI: _profile(display={"layout": "full"})}) == []
    assert len(_of(hall, "profile")) == 2


async def test_the_input_gain_goes_to_the_mixer_before_the_hall_joins_and_is_read_back():
    live, media = make_live()
    console = FakeParticipant("console")
    live.attach_operator(console)
    live.set_profiles({LAO_CAI: _profile(microphone={"gain_db": 6.0})})
    assert media.gains[LAO_CAI] == 6.0
    await join(live, LAO_CAI)
    status = live.devices.status(LAO_CAI)
    gain = status["fields"]["microphone.gain_db"]
    assert gain == {"desired": 6.0, "applied": 6.0, "readback": 6.0, "ok": True}
    assert status["state"] == "pending"  # the page has not answered yet
    live.detach_operator(console)


async def test_the_consoles_see_a_hall_confirm_what_it_applied_or_differ():
    live, _media = make_live()
    console = FakeParticipant("console")
    live.attach_operator(console)
    live.set_profiles(
        {LAO_CAI: _profile(camera={"width": 640, "height": 360}, display={"clock": True})}
    )
    await join(live, LAO_CAI)
    revision = live.devices.revision(LAO_CAI)
    answer = json.dumps(
        {
            "type": "profile_applied",
            "revision": revision,
            "applied": {"camera.width": 640},
            "readback": {"camera.width": 640, "camera.height": 360, "display.clock": True},
            "devices": {"camera": "fake_device_0"},
            "inventory": [{"kind": "videoinput", "label": "fake_device_0"}],
        }
    )
    live.devices.applied(LAO_CAI, _report(answer))
    last = _of(console, "profile_status")[-1]["sites"]
    assert [s["id"] for s in last] == [LAO_CAI]
    assert last[0]["state"] == "confirmed"
    assert last[0]["fields"]["camera.height"]["ok"] is True
    assert last[0]["devices"]["camera"] == "fake_device_0"
    assert last[0]["inventory"][0]["label"] == "fake_device_0"
    wrong = answer.replace('"camera.height": 360', '"camera.height": 480')
    live.devices.applied(LAO_CAI, _report(wrong))
    last = _of(console, "profile_status")[-1]["sites"][0]
    assert last["state"] == "differs"
    assert last["fields"]["camera.height"] == {
        "desired": 360,
        "applied": None,
        "readback": 480,
        "ok": False,
    }
    live.detach_operator(console)


async def test_a_missing_device_is_named_to_the_consoles():
    live, _media = make_live()
    console = FakeParticipant("console")
    live.attach_operator(console)
    live.set_profiles({LAO_CAI: _profile(microphone={"labels": ["Sennheiser*", "Shure"]})})
    await join(live, LAO_CAI)
    answer = json.dumps(
        {
            "type": "profile_applied",
            "revision": live.devices.revision(LAO_CAI),
            "devices": {"microphone": "Default"},
            "missing": [
                {"kind": "microphone", "patterns": ["Sennheiser*", "Shure"], "used": "Default"}
            ],
        }
    )
    live.devices.applied(LAO_CAI, _report(answer))
    last = _of(console, "profile_status")[-1]["sites"][0]
    assert last["state"] == "differs"
    assert last["missing"] == [
        {"kind": "microphone", "patterns": ["Sennheiser*", "Shure"], "used": "Default"}
    ]
    assert last["fields"]["microphone.labels"]["ok"] is False
    live.detach_operator(console)


async def test_an_answer_to_an_older_revision_leaves_the_hall_pending():
    live, _media = make_live()
    await join(live, LAO_CAI)
    old = live.devices.revision(LAO_CAI)
    live.set_profiles({LAO_CAI: _profile(display={"clock": True})})
    live.devices.applied(LAO_CAI, _report(json.dumps({"type": "profile_applied", "revision": old})))
    assert live.devices.status(LAO_CAI)["state"] == "pending"


async def test_a_hall_that_leaves_is_offline_and_its_health_forgotten():
    live, _media = make_live()
    console = FakeParticipant("console")
    live.attach_operator(console)
    hall = await join(live, LAO_CAI)
    live.devices.health_report(
        LAO_CAI, _report('{"type": "device_health", "microphone": {"level_db": -30}}')
    )
    assert [e["id"] for e in live.devices.health()] == [LAO_CAI]
    await live.detach_site(LAO_CAI, hall)
    assert _of(console, "profile_status")[-1]["sites"][0]["state"] == "offline"
    assert live.devices.health() == []
    live.detach_operator(console)


async def test_health_tells_the_consoles_of_a_dead_microphone_from_its_reports():
    live, _media = make_live()
    clock = [0.0]
    live.devices._now = lambda: clock[0]
    console = FakeParticipant("console")
    live.attach_operator(console)
    await join(live, HOST)
    await join(live, LAO_CAI)
    dead = '{"type": "device_health", "microphone": {"level_db": -120, "live": true}}'
    fine = '{"type": "device_health", "microphone": {"level_db": -35}, "camera": {"fps": 30}}'
    for second in range(10):
        clock[0] = float(second)
        live.devices.health_report(LAO_CAI, _report(dead))
        live.devices.health_report(HOST, _report(fine))
        live.devices.tick({})
    entries = {e["id"]: e for e in _of(console, "health")[-1]["sites"]}
    assert entries[LAO_CAI]["warnings"] == ["mic_no_signal"]
    assert entries[LAO_CAI]["mic_level_db"] == -120
    assert entries[HOST]["warnings"] == []
    assert entries[HOST]["camera_fps"] == 30
    live.detach_operator(console)


async def test_a_hall_that_reports_nothing_is_judged_by_what_the_mixer_hears():
    live, _media = make_live()
    clock = [0.0]
    live.devices._now = lambda: clock[0]
    await join(live, LAO_CAI)
    for second in range(10):
        clock[0] = float(second)
        live.devices.tick({LAO_CAI: (-120.0, False)})
    assert live.devices.health()[0]["warnings"] == ["mic_no_signal"]
