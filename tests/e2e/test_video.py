"""Video end to end: headless sites send a colour each; what every site decodes says which
site it is seeing. The bridge only forwards: its own counters prove zero encodes/decodes."""

from __future__ import annotations

import asyncio
import time

import httpx
import numpy as np

from endpoints.agent import AgentOptions, run_agent
from endpoints.audio import SilenceTrack, ToneTrack
from endpoints.operator import OperatorClient
from endpoints.session import SiteClient
from endpoints.video import EncodedVideoTrack, camera, encode_picture
from tests.conftest import RunningBridge

HOST = "Hội trường Trung ương"
PROVINCES = ("Điểm cầu tỉnh Lào Cai", "Điểm cầu tỉnh Quảng Trị", "Điểm cầu tỉnh Cà Mau")
COLOURS = {HOST: "red", PROVINCES[0]: "green", PROVINCES[1]: "blue", PROVINCES[2]: "yellow"}


class GatedTone(ToneTrack):
    """A tone that talks only while ``talking`` is set (silence otherwise)."""

    talking = False

    def next_samples(self, count: int) -> np.ndarray:
        samples = super().next_samples(count)
        return samples if self.talking else np.zeros_like(samples)


async def camera_sites(
    bridge: RunningBridge, names: tuple[str, ...], audio: list | None = None
) -> list[SiteClient]:
    clients = [SiteClient(bridge.links[name], record_seconds=5) for name in names]
    for client in clients:
        await client.join()
    tracks = audio or [SilenceTrack() for _ in names]
    await asyncio.gather(
        *(
            c.start_media(t, video=EncodedVideoTrack(encode_picture(COLOURS[n], seconds=1)))
            for c, t, n in zip(clients, tracks, names, strict=True)
        )
    )
    return clients


def video_metrics(bridge: RunningBridge, token: str) -> dict:
    reply = httpx.get(f"{bridge.url}/api/metrics", headers={"Authorization": f"Bearer {token}"})
    reply.raise_for_status()
    return reply.json()["video"]


async def test_everyone_sees_the_shown_site_and_a_switch_reaches_every_viewer(bridge):
    token = bridge.login()
    host, a, b, c = clients = await camera_sites(bridge, (HOST, *PROVINCES))
    operator = OperatorClient(bridge.url, session_id=1, token=token)
    try:
        await operator.connect()
        # At first the host is shown: every province sees it; only the host's camera is on.
        for viewer in (a, b, c):
            await viewer.video.wait_for("red", timeout=5)
        assert [s._video_track.mode for s in clients] == ["full", "off", "off", "off"]
        assert host.video.seen == [], "the shown host has no earlier site to see yet"

        await operator.show(b.site["id"])
        for viewer in (host, a, c):
            await viewer.video.wait_for("blue", timeout=3)
        await b.video.wait_for("red", timeout=3)  # the shown site sees the host
        for client in clients:
            shown = await client.expect("shown", where=lambda m: m["site_id"] == b.site["id"])
            assert shown["mode"] == "manual"
        assert [s._video_track.mode for s in clients] == ["full", "off", "full", "off"]

        await operator.show(host.site["id"])
        for viewer in (a, b, c):
            await viewer.video.wait_for("red", timeout=3)
        await host.video.wait_for("blue", timeout=3)  # the host sees the site shown before it
        await asyncio.sleep(0.5)
        counts = video_metrics(bridge, token)
    finally:
        await operator.close()
        for client in clients:
            await client.close()
    assert counts["encodes"] == 0 and counts["decodes"] == 0, counts
    assert counts["frames_forwarded"] > 50 and counts["switches"] >= 7
    assert counts["keyframe_requests"] >= 2


async def test_a_site_joining_late_sees_the_shown_site_within_a_second(bridge):
    token = bridge.login()
    host, a = await camera_sites(bridge, (HOST, PROVINCES[0]))
    operator = OperatorClient(bridge.url, session_id=1, token=token)
    late = SiteClient(bridge.links[PROVINCES[2]], record_seconds=5)
    try:
        await operator.connect()
        await operator.show(a.site["id"])
        await host.video.wait_for("green", timeout=5)
        await late.join()
        started = time.monotonic()
        picture = EncodedVideoTrack(encode_picture("yellow", seconds=1))
        await late.start_media(SilenceTrack(), video=picture)
        seen_at = await late.video.wait_for("green", timeout=3, frames=1)
        assert picture.mode == "off", "a site that is not shown is told to pause its camera"
    finally:
        await operator.close()
        for client in (host, a, late):
            await client.close()
    assert seen_at - started < 1.5, f"first picture {seen_at - started:.2f} s after offering"


async def test_voice_activation_follows_a_talker_but_not_one_shorter_than_the_hold(bridge):
    token = bridge.login()
    tones = [GatedTone(440), GatedTone(660), GatedTone(880)]
    host, a, b = clients = await camera_sites(bridge, (HOST, *PROVINCES[:2]), audio=tones)
    operator = OperatorClient(bridge.url, session_id=1, token=token)
    try:
        await operator.connect()
        await a.video.wait_for("red", timeout=5)
        await operator.voice_activated(True)
        shown = await operator.expect("shown", where=lambda m: m["mode"] == "voice")
        assert shown["site_id"] == host.site["id"] and shown["hold_s"] == 2.0

        tones[1].talking = True  # a cough-length remark, under the 2 s hold
        await asyncio.sleep(1.0)
        tones[1].talking = False
        await asyncio.sleep(2.5)
        await a.video.wait_for("red", timeout=1)

        started = time.monotonic()
        tones[2].talking = True  # b keeps talking
        await operator.expect("shown", where=lambda m: m["site_id"] == b.site["id"], timeout=5)
        switched = time.monotonic() - started
        await a.video.wait_for("blue", timeout=3)
        await host.video.wait_for("blue", timeout=3)
    finally:
        await operator.close()
        for client in clients:
            await client.close()
    shows = [m.message["site_id"] for m in operator.channel.history if m.message["type"] == "shown"]
    assert a.site["id"] not in shows, "a remark shorter than the hold switched the picture"
    assert 1.8 <= switched <= 3.5, f"switched {switched:.2f} s after b began talking"


async def test_a_console_gets_a_small_live_preview_of_every_site_without_any_transcode(bridge):
    token = bridge.login()
    names = (HOST, *PROVINCES)
    clients = [SiteClient(bridge.links[name], record_seconds=5) for name in names]
    operator = OperatorClient(bridge.url, session_id=1, token=token)
    try:
        for client in clients:
            await client.join()
        await asyncio.gather(
            *(
                c.start_media(SilenceTrack(), video=camera(COLOURS[n]))
                for c, n in zip(clients, names, strict=True)
            )
        )
        assert [c._video_track.mode for c in clients] == ["full", "off", "off", "off"]
        await operator.connect()
        await operator.start_previews()
        for client, name in zip(clients, names, strict=True):
            await operator.previews[client.site["id"]].wait_for(COLOURS[name], timeout=5)
        # Not shown: only the small, slow stream leaves those halls.
        assert [c._video_track.mode for c in clients] == ["full", "preview", "preview", "preview"]
        province = operator.previews[clients[1].site["id"]].seen[-1]
        assert (province.width, province.height) == (160, 90)
        host_preview = operator.previews[clients[0].site["id"]].seen[-1]
        assert (host_preview.width, host_preview.height) == (320, 180)
        # The sites still see the shown host at full size.
        await clients[1].video.wait_for("red", timeout=3)
        assert clients[1].video.seen[-1].width == 320
        counts = video_metrics(bridge, token)
        await operator.close()
        for client in clients[1:]:  # no console left: back to saving the uplink
            await client.expect("video", where=lambda m: m["send"] == "off")
    finally:
        await operator.close()
        for client in clients:
            await client.close()
    assert counts["encodes"] == 0 and counts["decodes"] == 0, counts


async def test_the_agent_sends_its_colour_and_reports_what_it_saw(bridge):
    host = SiteClient(bridge.links[HOST], record_seconds=5)
    try:
        await host.join()
        await host.start_media(SilenceTrack(), video=camera("red"))
        result = await run_agent(AgentOptions(bridge.links[PROVINCES[0]], video="green", seconds=2))
    finally:
        await host.close()
    assert result.seen.get("red", 0) >= 10, result.seen
    assert result.stats()["video_seen"] == result.seen
