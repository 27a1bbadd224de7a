"""The fast audio path end to end: loss, jitter, meters and K+1 encodes, measured at the
listeners and through the bridge's own metrics."""

from __future__ import annotations

import asyncio

import httpx
import numpy as np

from endpoints.audio import SilenceTrack, ToneTrack
from endpoints.impair import impair_site
from endpoints.operator import OperatorClient
from endpoints.session import SiteClient
from tests.audio_analysis import tone_level_db
from tests.e2e.test_audio import AMPLITUDE, PROVINCES, SENT_DB, listen


async def joined(bridge, names, tracks) -> list[SiteClient]:
    clients = [SiteClient(bridge.links[name], record_seconds=30) for name in names]
    for client in clients:
        await client.join()
    await asyncio.gather(*(c.start_media(t) for c, t in zip(clients, tracks, strict=True)))
    return clients


def metrics(bridge, token: str) -> dict:
    reply = httpx.get(f"{bridge.url}/api/metrics", headers={"Authorization": f"Bearer {token}"})
    reply.raise_for_status()
    return reply.json()


async def test_ten_percent_loss_at_a_sender_keeps_full_rate_and_a_recognisable_tone(bridge):
    token = bridge.login()
    a, b = await joined(bridge, PROVINCES[:2], [ToneTrack(440, AMPLITUDE), SilenceTrack()])
    try:
        await asyncio.sleep(1.0)
        lossy = impair_site(a, loss=0.10, seed=7)
        await asyncio.sleep(1.0)
        frames_before, start = b.recorder.frames, asyncio.get_running_loop().time()
        heard = await listen(b, 4.0)
        rate = (b.recorder.frames - frames_before) / (asyncio.get_running_loop().time() - start)
        bridge_saw = metrics(bridge, token)
    finally:
        for client in (a, b):
            await client.close()
    assert lossy.dropped >= 0.05 * lossy.sent, "the impairment did not drop packets"
    assert bridge_saw["lost"] > 0 and bridge_saw["concealed"] > 0
    assert rate >= 49, f"listener got {rate:.1f} frames/s"
    level = tone_level_db(heard, 440)
    assert abs(level - SENT_DB) <= 3, f"tone at {level:.1f} dB through 10 % loss"
    x = heard.astype(np.float64) / 32768
    spectrum = np.abs(np.fft.rfft(x * np.hanning(len(x)))) ** 2
    freqs = np.fft.rfftfreq(len(x), 1 / 48_000)
    in_tone = spectrum[np.abs(freqs - 440) < 20].sum()
    assert 10 * np.log10(in_tone / (spectrum.sum() - in_tone)) > 15, "concealment noise drowns it"


async def test_the_jitter_buffer_grows_with_injected_jitter_and_shrinks_after(bridge):
    token = bridge.login()
    a, b = await joined(bridge, PROVINCES[:2], [ToneTrack(440, AMPLITUDE), SilenceTrack()])
    try:
        await asyncio.sleep(2.0)
        calm = metrics(bridge, token)["jitter_target_frames"]["max"]
        shaky = impair_site(a, jitter_ms=30, seed=3)
        await asyncio.sleep(4.0)
        jittery = metrics(bridge, token)["jitter_target_frames"]["max"]
        during = await listen(b, 2.0)
        shaky.set(jitter_ms=0)
        after = jittery
        for _ in range(40):  # it shrinks over seconds, not at once
            await asyncio.sleep(0.5)
            after = metrics(bridge, token)["jitter_target_frames"]["max"]
            if after <= calm:
                break
    finally:
        for client in (a, b):
            await client.close()
    assert calm <= 2, f"a clean loopback link should keep a shallow buffer, got {calm}"
    assert jittery >= 3, f"±30 ms jitter should deepen the buffer, got {jittery}"
    # back to where it was — or, on a machine busy enough to jitter loopback itself (the
    # whole suite on two cores), at least well on its way down
    assert after <= calm + 1 or after <= jittery - 2, (
        f"the buffer did not shrink back (calm {calm}, jittery {jittery}, after {after})"
    )
    assert abs(tone_level_db(during, 440) - SENT_DB) <= 3, "the tone suffered under jitter"


async def test_consoles_get_meters_at_most_ten_a_second_with_levels_and_talk_state(bridge):
    token = bridge.login()
    talker, quiet = await joined(bridge, PROVINCES[:2], [ToneTrack(440, AMPLITUDE), SilenceTrack()])
    operator = OperatorClient(bridge.url, session_id=1, token=token)
    try:
        await operator.connect()
        await asyncio.sleep(1.0)
        mark = operator.channel.seq
        await asyncio.sleep(2.0)
        meters = [
            m.message
            for m in operator.channel.history
            if m.message["type"] == "meters" and m.seq > mark
        ]
        sites_heard = [m for m in talker.messages if m.message["type"] == "meters"]
    finally:
        await operator.close()
        for client in (talker, quiet):
            await client.close()
    assert 10 <= len(meters) <= 21, f"{len(meters)} meter messages in 2 s"
    last = {s["id"]: s for s in meters[-1]["sites"]}
    loud, silent = last[talker.site["id"]], last[quiet.site["id"]]
    assert abs(loud["level"] - (SENT_DB - 3)) <= 3 and loud["talking"]  # RMS = peak - 3 dB
    assert silent["level"] < -90 and not silent["talking"]
    assert sites_heard == [], "meters are for consoles only"


async def test_the_bridge_encodes_one_shared_mix_plus_one_per_talker(bridge):
    token = bridge.login()
    names = ("Hội trường Trung ương", *PROVINCES)
    tracks = [ToneTrack(440, AMPLITUDE), ToneTrack(660, AMPLITUDE), SilenceTrack(), SilenceTrack()]
    clients = await joined(bridge, names, tracks)
    try:
        await asyncio.sleep(1.5)
        first = metrics(bridge, token)
        await asyncio.sleep(2.0)
        second = metrics(bridge, token)
        listener = await listen(clients[2], 1.0)
    finally:
        for client in clients:
            await client.close()
    per_tick = (second["encodes"] - first["encodes"]) / (second["ticks"] - first["ticks"])
    assert 2.9 <= per_tick <= 3.1, f"{per_tick:.2f} encodes per tick for 2 talkers + 1 shared"
    assert tone_level_db(listener, 440) > SENT_DB - 6 and tone_level_db(listener, 660) > SENT_DB - 6
