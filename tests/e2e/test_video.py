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
        # At first the host is shown: every province sees it. The host itself is offered the
        # first hall that connected (never a black picture); only those two cameras are on.
        for viewer in (a, b, c):
            await viewer.video.wait_for("red", timeout=5)
        offered = await host.expect("shown", where=lambda m: m["previous"] is not None)
        index = [cl.site["id"] for cl in clients].index(offered["previous"])
        assert index > 0
        await host.video.wait_for(COLOURS[(HOST, *PROVINCES)[index]], timeout=3)
        modes = ["full" if i in (0, index) else "off" for i in range(4)]
        assert [s._video_track.mode for s in clients] == modes

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
    # Shown once dominant for 3/4 of the 2 s hold (bridge.conference.shown.DEFAULT_SHARE).
    assert 1.3 <= switched <= 3.5, f"switched {switched:.2f} s after b began talking"


async def test_voice_activation_picks_the_loudest_of_four_talking_halls_never_a_muted_one(bridge):
    token = bridge.login()
    # Four halls talk at once, at clearly different levels; the loudest is muted at first.
    levels = {HOST: 0.03, PROVINCES[0]: 0.06, PROVINCES[1]: 0.3, PROVINCES[2]: 0.15}
    tones = [GatedTone(330 + 110 * i, levels[n]) for i, n in enumerate((HOST, *PROVINCES))]
    host, a, b, c = clients = await camera_sites(bridge, (HOST, *PROVINCES), audio=tones)
    operator = OperatorClient(bridge.url, session_id=1, token=token)
    try:
        await operator.connect()
        await operator.mute(b.site["id"])
        await operator.expect_site(b.site["id"], lambda site: site["muted"])
        await operator.voice_activated(True)
        await operator.expect("shown", where=lambda m: m["mode"] == "voice")
        for tone in tones:
            tone.talking = True
        # The loudest hall is muted: the loudest of the others (c) is shown, within the hold.
        await operator.expect("shown", where=lambda m: m["site_id"] == c.site["id"], timeout=6)
        await a.video.wait_for(COLOURS[PROVINCES[2]], timeout=3)
        started = operator.channel.seq
        await operator.unmute(b.site["id"])
        await operator.expect(
            "shown", where=lambda m: m["site_id"] == b.site["id"], timeout=6, after=started
        )
        await host.video.wait_for(COLOURS[PROVINCES[1]], timeout=3)
        # Muting the shown hall in voice mode gives way at once to the chair, then to the
        # loudest hall still talking once it has held the room.
        started = operator.channel.seq
        await operator.mute(b.site["id"])
        stepped = await operator.expect("shown", timeout=2, after=started)
        assert stepped["site_id"] == host.site["id"], stepped
        await operator.expect(
            "shown", where=lambda m: m["site_id"] == c.site["id"], timeout=6, after=started
        )
    finally:
        await operator.close()
        for client in clients:
            await client.close()
    shows = [m.message["site_id"] for m in operator.channel.history if m.message["type"] == "shown"]
    assert a.site["id"] not in shows, shows


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
        # The shown host and the hall it is offered to look at send in full, nobody else.
        modes = [c._video_track.mode for c in clients]
        assert modes[0] == "full" and modes[1:].count("full") == 1, modes
        assert modes[1:].count("off") == 2, modes
        watched = 1 + modes[1:].index("full")
        await operator.connect()
        await operator.start_previews()
        for client, name in zip(clients, names, strict=True):
            await operator.previews[client.site["id"]].wait_for(COLOURS[name], timeout=5)
        # Not shown: only the small, slow stream leaves those halls.
        modes = [c._video_track.mode for c in clients]
        assert modes == ["full" if i in (0, watched) else "preview" for i in range(4)], modes
        unwatched = next(i for i in range(1, 4) if i != watched)
        province = operator.previews[clients[unwatched].site["id"]].seen[-1]
        assert (province.width, province.height) == (160, 90)
        host_preview = operator.previews[clients[0].site["id"]].seen[-1]
        assert (host_preview.width, host_preview.height) == (320, 180)
        # The sites still see the shown host at full size.
        await clients[1].video.wait_for("red", timeout=3)
        assert clients[1].video.seen[-1].width == 320
        counts = video_metrics(bridge, token)
        await operator.close()
        for i, client in enumerate(clients):  # no console left: back to saving the uplink
            if i not in (0, watched):
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
