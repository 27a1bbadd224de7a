"""Connection tests through a real bridge: a headless hall runs its test and gets a verdict
with figures from every check; its room's acoustic loop (30 ms, −20 dB) is found within
±5 ms; a hall with a dead microphone is not ready, saying so."""

from __future__ import annotations

import asyncio
import contextlib
import json
from datetime import UTC, datetime, timedelta
from typing import Any

from endpoints.audio import SilenceTrack, ToneTrack
from endpoints.connection_test import HallTest
from endpoints.loopback import AcousticLoop
from endpoints.room import RoomMicrophone
from endpoints.session import SiteClient
from endpoints.video import EncodedVideoTrack, encode_picture
from tests.e2e.test_audio import PROVINCES
from tests.signaling.test_outbound import SERVER_MESSAGE

HALL = PROVINCES[0]


async def run_test(link: str, microphone: Any, room: RoomMicrophone | None = None) -> dict:
    hall = SiteClient(link, record_seconds=30)
    try:
        await hall.join()
        camera = EncodedVideoTrack(encode_picture("green", width=640, height=360, fps=15))
        await hall.start_media(microphone, video=camera)
        await asyncio.sleep(1.0)
        test = HallTest(hall, room=room)
        result = await test.run()
        # every frame the bridge sent the hall has its declared shape (outbound.py)
        for received in hall.messages:
            if str(received.message.get("type", "")).startswith("test_"):
                SERVER_MESSAGE.validate_python(received.message)
        return result
    finally:
        await hall.close()


async def test_a_hall_in_a_room_gets_its_verdict_and_its_acoustic_loop(bridge):
    room = RoomMicrophone(ToneTrack(440, 0.05), AcousticLoop(30.0, 20.0))
    result = await run_test(bridge.links[HALL], room, room)
    figures = result["figures"]
    print(json.dumps(figures, indent=1, ensure_ascii=False))
    print([r["code"] for r in result["reasons"]])
    assert figures["media_connected"] is True
    assert figures["speaker_loop_verified"] is True
    assert abs(figures["acoustic_delay_ms"] - 30.0) <= 5.0
    assert abs(figures["echo_return_db"] - (-20.0)) <= 3.0
    assert figures["rtt_ms"] is not None and figures["rtt_ms"] < 50
    assert figures["signaling_rtt_ms"] is not None
    assert figures["loss_in_pct"] == 0 and figures["loss_out_pct"] == 0
    assert figures["mic_level_db"] > -40
    assert figures["uplink_kbps"] and figures["downlink_kbps"]
    assert figures["mos"] > 4.0
    assert figures["ice_type"] == "host" and figures["ice_protocol"] == "udp"


async def test_a_hall_with_a_dead_microphone_is_not_ready(bridge):
    result = await run_test(bridge.links[HALL], SilenceTrack())
    codes = [r["code"] for r in result["reasons"]]
    assert result["state"] == "not_ready"
    assert "mic_no_signal" in codes
    dead = next(r for r in result["reasons"] if r["code"] == "mic_no_signal")
    assert "micrô" in dead["vi"] and dead["advice_vi"]
    # a synthetic microphone cannot hear the loudspeakers: not verified, not "no sound"
    assert result["figures"]["speaker_loop_verified"] is None


async def test_the_agent_runs_the_test_from_the_command_line(bridge):
    """`bridge agent LINK --test --json`: the verdict's figures as JSON, the exit status by
    the verdict (a silent hall: not ready, 4)."""
    from tests.e2e.test_serve import bridge_cli

    done = await asyncio.to_thread(
        bridge_cli, "agent", bridge.links[HALL], "--test", "--json", "--acoustic-loop", "30,20"
    )
    result = json.loads(done.stdout)
    assert done.returncode == 4, done.stderr
    assert result["state"] == "not_ready"
    assert "mic_no_signal" in [r["code"] for r in result["reasons"]]
    assert result["figures"]["media_connected"] is True
    assert result["figures"]["rtt_ms"] is not None
    # a silent hall's room still carries the bridge's chirp back: the loop is verified
    assert result["figures"]["speaker_loop_verified"] is True
    assert abs(result["figures"]["acoustic_delay_ms"] - 30.0) <= 5.0


async def test_a_headless_hall_tests_itself_in_the_window_and_answers_the_operator(bridge):
    """`bridge agent LINK` (no --test) joining a session in its test window runs its test
    by itself, as the hall page does, and the board shows the result; a test the operator
    starts on an agent already there is answered in full (pings, probes, report)."""
    import httpx

    from endpoints.agent import AgentOptions, run_agent
    from endpoints.operator import OperatorClient

    token = await asyncio.to_thread(bridge.login)
    api = httpx.AsyncClient(
        base_url=bridge.url, headers={"authorization": f"Bearer {token}"}, verify=bridge.verify
    )
    now = datetime.now(UTC)
    async with api:
        sites = (await api.get("/api/sites")).json()["sites"]
        ids = {s["name"]: s["id"] for s in sites}
        body = {"title": "Giao ban thử", "host_site_id": ids["Hội trường Trung ương"],
                "roster": [ids[name] for name in PROVINCES]}  # fmt: skip
        sid = (await api.post("/api/sessions", json=body)).json()["session"]["id"]
        schedule = {"starts_at": (now + timedelta(hours=3)).isoformat(),
                    "test_from": (now - timedelta(hours=1)).isoformat()}  # fmt: skip
        assert (await api.put(f"/api/sessions/{sid}/schedule", json=schedule)).json()["testing"]
        links = (await api.post(f"/api/sessions/{sid}/links", json={})).json()["links"]
        link = next(x["url"] for x in links if x["site_id"] == ids[HALL])
        agent = asyncio.ensure_future(
            run_agent(AgentOptions(link, tone_hz=440, seconds=180, reconnect=False, video="green"))
        )
        try:
            board: dict[str, Any] = {}
            for _ in range(60):  # the test takes ~20 s; it files its result when done
                await asyncio.sleep(1.0)
                board = (await api.get(f"/api/sessions/{sid}/readiness")).json()
                row = next(s for s in board["sites"] if s["site_id"] == ids[HALL])
                if row["state"] not in ("not_tested", "testing"):
                    break
            # a verdict (a steady tone is no quiet room: its "noise floor" warns)
            assert row["state"] in ("ready", "warning", "not_ready"), row
            assert row["source"] == "hall" and row["figures"]["media_connected"] is True
            assert row["figures"]["camera_fps"], row["figures"]
            assert row["figures"]["rtt_ms"] is not None and row["figures"]["mos"] > 4.0
            first = row["at"]

            # the operator runs it again from the console: the agent answers every part
            assert not agent.done(), "the agent left before the operator's test"
            async with OperatorClient(bridge.url, session_id=sid, token=token) as operator:
                await operator.connect()
                await operator.send({"type": "test_run", "site_id": ids[HALL]})
                for _ in range(60):
                    await asyncio.sleep(1.0)
                    board = (await api.get(f"/api/sessions/{sid}/readiness")).json()
                    row = next(s for s in board["sites"] if s["site_id"] == ids[HALL])
                    if row["state"] != "testing" and row["at"] != first:
                        break
            assert row["at"] != first and row["source"] == "operator", row
            figures = row["figures"]
            assert figures["signaling_rtt_ms"] is not None  # it answered the pings
            assert figures["uplink_kbps"] and figures["downlink_kbps"]  # and both probes
            assert figures["loss_out_pct"] is not None  # and reported what it received
        finally:
            agent.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await agent
