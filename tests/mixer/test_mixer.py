"""The live mixer's tick, driven by hand: what it decodes and what each site gets."""

import asyncio

import numpy as np

from bridge.mixer.mixer import Mixer
from bridge.mixer.opus import OpusEncoder
from bridge.mixer.tracks import FRAME_SAMPLES

TONE = (0.1 * np.sin(2 * np.pi * 440 * np.arange(FRAME_SAMPLES) / 48_000)).astype(np.float32)


def feed(mixer: Mixer, inputs: dict, frame: int, payloads: dict, levels: dict) -> None:
    for site_id, receive in inputs.items():
        receive(frame, frame * FRAME_SAMPLES, payloads[site_id], levels[site_id])


async def test_quiet_halls_are_not_decoded_until_they_speak_up():
    mixer = Mixer()
    sites = range(1, 12)  # one talker and ten quiet halls
    tracks = {site: mixer.add_site(site) for site in sites}
    inputs = {site: mixer.input(site) for site in sites}
    await mixer.clock.stop()  # ticks by hand
    talk = OpusEncoder().encode(TONE)
    hush = OpusEncoder().encode(np.zeros(FRAME_SAMPLES, np.float32))
    payloads = {site: talk if site == 1 else hush for site in sites}
    levels = {site: 23 if site == 1 else 80 for site in sites}  # RFC 6464: -dBov
    for frame in range(20):
        feed(mixer, inputs, frame, payloads, levels)
        mixer._tick()
    before = mixer.decodes
    for frame in range(20, 30):
        feed(mixer, inputs, frame, payloads, levels)
        mixer._tick()
    assert mixer.decodes - before == 10, "only the talker is decoded"
    assert mixer.meters()[5][0] == -80  # a quiet hall's meter comes from its RTP level

    payloads[5], levels[5] = talk, 23  # hall 5 speaks up
    for frame in range(30, 40):
        feed(mixer, inputs, frame, payloads, levels)
        mixer._tick()
    assert mixer.decodes - before == 10 + 20
    assert mixer.meters()[5][1], "hall 5 is talking"
    assert all(len(track._packets) > 0 for track in tracks.values())


async def test_the_clock_stops_when_the_last_site_leaves_and_resumes_on_a_join():
    mixer = Mixer()
    mixer.add_site(1)
    mixer.add_site(2)
    await asyncio.sleep(0.1)
    mixer.remove_site(1)
    assert mixer.clock._task is not None, "one site still hears the mix"
    mixer.remove_site(2)
    await asyncio.sleep(0.05)
    ticks = mixer.clock.ticks
    await asyncio.sleep(0.1)
    assert mixer.clock.ticks == ticks, "an empty session does not tick"
    mixer.add_site(3)
    await asyncio.sleep(0.1)
    assert mixer.clock.ticks > ticks
    await mixer.close()
