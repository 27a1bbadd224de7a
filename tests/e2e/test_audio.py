"""Real aiortc peers over loopback against a real `bridge serve`: what each site hears."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import pytest

from endpoints.audio import ToneTrack
from endpoints.operator import OperatorClient
from endpoints.session import SiteClient
from tests.audio_analysis import tone_level_db
from tests.conftest import RunningBridge

AMPLITUDE = 0.1  # -20 dBFS peak, -23 dBFS RMS: the mixer's levelling target, so it stays put
SENT_DB = tone_level_db(ToneTrack(440, AMPLITUDE, paced=False).next_samples(48_000), 440)
PROVINCES = ("Điểm cầu tỉnh Lào Cai", "Điểm cầu tỉnh Quảng Trị", "Điểm cầu tỉnh Cà Mau")
TONES = (440.0, 660.0, 880.0)


@contextlib.asynccontextmanager
async def sites(
    bridge: RunningBridge, names=PROVINCES, tones=TONES
) -> AsyncIterator[list[SiteClient]]:
    clients = [SiteClient(bridge.links[name], record_seconds=20) for name in names]
    try:
        for client in clients:
            await client.join()
        await asyncio.gather(
            *(c.start_media(ToneTrack(hz, AMPLITUDE)) for c, hz in zip(clients, tones, strict=True))
        )
        yield clients
    finally:
        for client in clients:
            await client.close()


async def listen(client: SiteClient, seconds: float) -> object:
    """The last ``seconds`` of what ``client`` heard, after letting ``seconds`` pass."""
    start = client.recorder.seconds
    while client.recorder.seconds < start + seconds:
        await asyncio.sleep(0.05)
    return client.received_audio()[-int(seconds * 48_000) :]


async def test_each_site_hears_the_other_two_tones_and_never_its_own(bridge):
    async with sites(bridge) as clients:
        await asyncio.sleep(1.0)  # jitter buffers settle
        heard = await asyncio.gather(*(listen(c, 3.0) for c in clients))
    for own, audio in zip(TONES, heard, strict=True):
        for hz in TONES:
            level = tone_level_db(audio, hz)
            if hz == own:
                assert level < SENT_DB - 20, f"site sending {own} Hz hears itself at {level:.1f} dB"
            else:
                assert abs(level - SENT_DB) <= 6, f"{hz} Hz at {level:.1f} dB, sent {SENT_DB:.1f}"


async def test_operator_mute_silences_a_site_for_everyone_and_is_announced(bridge):
    token = bridge.login()
    async with sites(bridge) as (a, b, c):
        operator = OperatorClient(bridge.url, session_id=1, token=token)
        await operator.connect()
        b_id = b.site["id"]
        await asyncio.sleep(1.0)
        before = await listen(a, 2.0)
        await operator.mute(b_id)
        await operator.expect_site(b_id, lambda s: s["muted"])
        for client in (a, b, c):  # every participant is told, the muted hall included
            await client.expect(
                "site", where=lambda m: m["site"]["id"] == b_id and m["site"]["muted"]
            )
        await asyncio.sleep(0.5)  # what was already in flight
        during_a, during_c = await asyncio.gather(listen(a, 2.0), listen(c, 2.0))
        await operator.unmute(b_id)
        await operator.expect_site(b_id, lambda s: not s["muted"])
        await asyncio.sleep(0.5)
        after = await listen(a, 2.0)
        await operator.close()
    assert tone_level_db(before, 660) > SENT_DB - 6
    assert tone_level_db(during_a, 660) < SENT_DB - 20, "a muted site is still heard"
    assert tone_level_db(during_c, 660) < SENT_DB - 20
    assert tone_level_db(during_a, 880) > SENT_DB - 6, "the others stopped with the muted one"
    assert tone_level_db(during_c, 440) > SENT_DB - 6
    assert tone_level_db(after, 660) > SENT_DB - 6, "unmuting did not bring the site back"


async def test_a_site_that_leaves_and_rejoins_hears_and_is_heard_again(bridge):
    async with sites(bridge, PROVINCES[:2], TONES[:2]) as (a, b):
        await asyncio.sleep(0.5)
        await b.leave()
        await b.close()
        await a.expect(
            "site",
            where=lambda m: m["site"]["name"] == PROVINCES[1] and m["site"]["state"] == "offline",
        )
        await asyncio.sleep(0.5)
        gone = await listen(a, 1.5)
        again = SiteClient(bridge.links[PROVINCES[1]], record_seconds=20)
        try:
            await again.join()
            await again.start_media(ToneTrack(TONES[1], AMPLITUDE))
            await a.expect(
                "site",
                where=lambda m: (
                    m["site"]["name"] == PROVINCES[1] and m["site"]["state"] == "connected"
                ),
            )
            await asyncio.sleep(1.0)
            a_hears, b_hears = await asyncio.gather(listen(a, 2.0), listen(again, 2.0))
        finally:
            await again.close()
    assert tone_level_db(gone, TONES[1]) < SENT_DB - 20
    assert tone_level_db(a_hears, TONES[1]) > SENT_DB - 6
    assert tone_level_db(b_hears, TONES[0]) > SENT_DB - 6


@pytest.mark.parametrize("name", [PROVINCES[0]])
async def test_a_second_join_of_the_same_site_replaces_the_first(bridge, name):
    first = SiteClient(bridge.links[name])
    second = SiteClient(bridge.links[name])
    try:
        await first.join()
        await second.join()
        error = await first.expect("error")
        assert error["code"] == "replaced"
        await asyncio.wait_for(first.channel.closed.wait(), 5)
        pong = await second.send({"type": "ping"}) or await second.expect("pong")
        assert pong["type"] == "pong"
    finally:
        await first.close()
        await second.close()
