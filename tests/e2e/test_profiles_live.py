"""Hardware profiles through a real bridge: an assignment by the HTTP API reaches the
connected halls at once, the mixer applies the input gain (heard by FFT at another hall),
and the console is told what each hall applied — a device it lacks named within 5 s."""

from __future__ import annotations

import asyncio
import json
import statistics
import time
from pathlib import Path
from typing import Any

import httpx

from bridge.profiles.catalogue import load_catalogue
from endpoints.audio import SilenceTrack, ToneTrack
from endpoints.devices import load_inventory
from endpoints.operator import OperatorClient
from endpoints.session import SiteClient
from tests.audio_analysis import tone_level_db
from tests.e2e.test_audio import AMPLITUDE, PROVINCES, listen
from tests.e2e.test_serve import bridge_cli

SPEAKER, LISTENER = PROVINCES[0], PROVINCES[1]


def level(audio: Any) -> float:
    """The tone's level, the median over half-second windows: one concealed or skipped
    frame (a phase jump) in a long window spreads the tone over neighbouring bins."""
    windows = [audio[i : i + 24_000] for i in range(0, len(audio) - 23_999, 24_000)]
    return float(statistics.median(tone_level_db(w, 440) for w in windows))


async def test_an_input_gain_of_6_db_is_heard_6_db_louder_at_another_hall(bridge):
    speaker = SiteClient(bridge.links[SPEAKER], record_seconds=20)
    listener = SiteClient(bridge.links[LISTENER], record_seconds=20)
    token = bridge.login()
    try:
        for client in (speaker, listener):
            await client.join()
        await asyncio.gather(speaker.start_media(ToneTrack(440, AMPLITUDE)), listener.start_media())
        first = await speaker.expect("profile", timeout=5)
        assert first["profile"]["microphone"]["gain_db"] == 0
        await asyncio.sleep(1.5)  # levelling and jitter buffers settle
        before = level(await listen(listener, 3.0))
        sent = time.monotonic()
        mark = speaker.channel.seq
        # In a thread: the halls run on this loop, and a blocking call here would starve them.
        body = {"microphone": {"gain_db": 6}}
        await asyncio.to_thread(bridge.assign_profile, speaker.site["id"], body, token)
        pushed = await speaker.expect("profile", timeout=2, after=mark)
        assert time.monotonic() - sent < 2.0
        assert pushed["profile"]["microphone"]["gain_db"] == 6
        assert pushed["revision"] > first["revision"]
        await asyncio.sleep(1.0)
        after = level(await listen(listener, 3.0))
    finally:
        await speaker.close()
        await listener.close()
    print(f"input gain +6 dB: heard {before:.2f} dBFS, then {after:.2f} dBFS")
    assert abs((after - before) - 6.0) <= 1.0, f"{before:.1f} dB, then {after:.1f} dB"


async def test_the_console_is_told_what_a_hall_applied_and_which_device_it_lacks(
    bridge, tmp_path: Path
):
    inventory = tmp_path / "inventory.json"
    inventory.write_text(
        json.dumps(
            [
                {"kind": "audioinput", "label": "USB Audio CODEC"},
                {"kind": "audiooutput", "label": "HDMI Output"},
            ]
        )
    )
    hall = SiteClient(bridge.links[SPEAKER], inventory=load_inventory(inventory))
    token = bridge.login()
    operator = OperatorClient(bridge.url, session_id=1, token=token)
    try:
        await operator.connect()
        await hall.join()
        await hall.start_media(ToneTrack(440, AMPLITUDE))
        site_id = hall.site["id"]
        status = await operator.expect(
            "profile_status",
            timeout=5,
            where=lambda m: any(
                s["id"] == site_id and s["state"] == "confirmed" for s in m["sites"]
            ),
        )
        entry = next(s for s in status["sites"] if s["id"] == site_id)
        assert entry["devices"]["microphone"] == "USB Audio CODEC"
        assert {d["label"] for d in entry["inventory"]} == {"USB Audio CODEC", "HDMI Output"}
        assert entry["fields"]["microphone.sample_rate"]["ok"] is True
        # A profile naming a microphone the hall lacks: the console names it within 5 s.
        sent = time.monotonic()
        body = {"microphone": {"labels": ["Sennheiser*", "Shure MX"]}}
        await asyncio.to_thread(bridge.assign_profile, site_id, body, token)
        status = await operator.expect(
            "profile_status",
            timeout=5,
            where=lambda m: any(s["id"] == site_id and s["missing"] for s in m["sites"]),
        )
        assert time.monotonic() - sent < 5.0
        entry = next(s for s in status["sites"] if s["id"] == site_id)
        assert entry["state"] == "differs"
        assert entry["missing"] == [
            {
                "kind": "microphone",
                "patterns": ["Sennheiser*", "Shure MX"],
                "used": "USB Audio CODEC",
            }
        ]
        # The hall's answer is kept: the API shows it after the hall has left.
        await hall.close()
        reply = httpx.get(
            f"{bridge.url}/api/sessions/1/profiles",
            headers={"authorization": f"Bearer {token}"},
            timeout=10,
        )
        assert reply.status_code == 200, reply.text
        assert "Sennheiser*" in reply.text
    finally:
        await hall.close()
        await operator.close()


async def test_a_change_from_the_command_line_reaches_a_connected_hall(bridge):
    """``bridge profile`` runs in another process: the bridge notices it in the store."""
    hall = SiteClient(bridge.links[SPEAKER])
    try:
        await hall.join()
        first = await hall.expect("profile", timeout=5)
        mark = hall.channel.seq
        done = await asyncio.to_thread(
            bridge_cli,
            "profile",
            "assign",
            str(hall.site["id"]),
            "tv-webcam",
            "--set",
            "display.clock=true",
            "--db",
            str(bridge.database),
        )
        assert done.returncode == 0, done.stderr
        pushed = await hall.expect("profile", timeout=5, after=mark)
    finally:
        await hall.close()
    assert pushed["revision"] > first["revision"]
    assert pushed["profile"]["display"]["clock"] is True
    assert pushed["profile"]["speaker"]["labels"] == list(
        load_catalogue()["tv-webcam"].profile.speaker.labels
    )


async def test_a_hall_whose_microphone_sends_only_silence_is_warned_of_on_the_console(bridge):
    """A headless hall reports no device health: the bridge judges it by what its mixer
    hears — digital silence for 8 s is ``mic_no_signal``; a talking hall is fine."""
    token = bridge.login()
    operator = OperatorClient(bridge.url, session_id=1, token=token)
    dead = SiteClient(bridge.links[SPEAKER])
    talking = SiteClient(bridge.links[LISTENER])
    try:
        await operator.connect()
        for client in (dead, talking):
            await client.join()
        await asyncio.gather(
            dead.start_media(SilenceTrack()), talking.start_media(ToneTrack(440, AMPLITUDE))
        )
        started = time.monotonic()
        dead_id, talking_id = dead.site["id"], talking.site["id"]
        message = await operator.expect(
            "health",
            timeout=20,
            where=lambda m: any(
                s["id"] == dead_id and "mic_no_signal" in s["warnings"] for s in m["sites"]
            ),
        )
        took = time.monotonic() - started
    finally:
        await dead.close()
        await talking.close()
        await operator.close()
    entries = {s["id"]: s for s in message["sites"]}
    assert entries[dead_id]["warnings"] == ["mic_no_signal"]
    assert entries[talking_id]["warnings"] == []
    assert entries[talking_id]["mic_level_db"] > -60
    assert took < 15, took


async def test_a_hall_sending_device_reports_in_a_loop_is_refused_beyond_its_share(bridge):
    """Each report goes on to every console: beyond 20 in 10 s a hall is told
    ``too_many_requests`` and its reports go nowhere; the hall stays joined."""
    hall = SiteClient(bridge.links[SPEAKER])
    try:
        await hall.join()
        mark = hall.channel.seq
        for i in range(30):
            await hall.send(
                {"type": "device_health", "id": f"h{i}", "microphone": {"level_db": -30}}
            )
        await hall.send({"type": "ping", "id": "after"})
        await hall.expect("pong", timeout=5, after=mark)
        refused = [
            r.message["ref_id"]
            for r in hall.messages
            if r.seq > mark
            and r.message["type"] == "error"
            and r.message["code"] == "too_many_requests"
        ]
    finally:
        await hall.close()
    assert refused == [f"h{i}" for i in range(20, 30)]
