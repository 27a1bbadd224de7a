"""The live mixer's tick, driven by hand: what it decodes and what each site gets."""

import asyncio

import numpy as np

from bridge.mixer.mixer import WARMUP_FRAMES, Mixer
from bridge.mixer.opus import OpusDecoder, OpusEncoder, packet_samples
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
    # and once, as hall 5 speaks up, the quiet frames that warm its decoder up
    assert mixer.decodes - before == 10 + 20 + WARMUP_FRAMES
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


class Recorder:
    """A mix output that decodes what it is sent, as the site's own decoder would."""

    def __init__(self) -> None:
        self.decoder = OpusDecoder()
        self.frames: list[np.ndarray] = []

    def send(self, payload: bytes, pts: int) -> None:
        self.frames.append(self.decoder.decode(payload))

    def stop(self) -> None:
        pass


def tone(hz: float, frame: int, amplitude: float = 0.1) -> np.ndarray:
    t = (np.arange(FRAME_SAMPLES) + frame * FRAME_SAMPLES) / 48_000
    return (amplitude * np.sin(2 * np.pi * hz * t)).astype(np.float32)


def off_tone_db(frames: list[np.ndarray], hz: float) -> float:
    """Energy left after removing the best-fitting ``hz`` sinusoid, relative to the signal
    (a click or a glitch shows as broadband energy the fit cannot explain)."""
    x = np.concatenate(frames).astype(np.float64)
    t = np.arange(len(x)) / 48_000
    basis = np.stack([np.sin(2 * np.pi * hz * t), np.cos(2 * np.pi * hz * t)], axis=1)
    fit, *_ = np.linalg.lstsq(basis, x, rcond=None)
    residual = x - basis @ fit
    return float(10 * np.log10(np.sum(residual**2) / np.sum(x**2)))


async def test_a_site_moving_between_the_shared_and_its_personal_mix_hears_no_glitch():
    """Site 2 listens (shared mix: site 1's tone), starts talking (its personal mix: still
    site 1's tone, now from another encoder), stops, starts again: what its decoder plays
    stays the same clean tone across each switch."""
    mixer = Mixer()
    recorder = Recorder()
    mixer.add_site(1, Recorder())
    mixer.add_site(2, recorder)
    inputs = {site: mixer.input(site) for site in (1, 2)}
    await mixer.clock.stop()  # ticks by hand
    encoders = {1: OpusEncoder(), 2: OpusEncoder()}
    silence = np.zeros(FRAME_SAMPLES, np.float32)
    talking_2: list[bool] = []
    for frame in range(400):
        # site 2 talks (a 1 kHz tone) in frames 100-199 and 300-399
        speaks = 100 <= frame < 200 or frame >= 300
        pcm = {1: tone(440, frame), 2: tone(1000, frame) if speaks else silence}
        for site, receive in inputs.items():
            level = 23 if site == 1 or speaks else 127
            receive(frame, frame * FRAME_SAMPLES, encoders[site].encode(pcm[site]), level)
        mixer._tick()
        talking_2.append(mixer.meters()[2][1])
    # Both switches happened (into the personal mix and back, twice)...
    changes = [i for i in range(1, len(talking_2)) if talking_2[i] != talking_2[i - 1]]
    assert len(changes) >= 3, changes
    # ...and around each one site 2 hears only site 1's tone, never itself and no glitch.
    heard = recorder.frames
    for i in changes:
        window = heard[i - 10 : i + 10]
        assert off_tone_db(window, 440) < -30, (i, off_tone_db(window, 440))
    await mixer.close()


async def test_a_sender_of_40_ms_packets_is_concealed_counted_and_logged(caplog):
    mixer = Mixer()
    mixer.add_site(1, Recorder())
    receive = mixer.input(1)
    await mixer.clock.stop()  # ticks by hand
    forty_ms = bytes([2 << 3]) + bytes(40)  # TOC: SILK narrowband, one 40 ms frame
    assert packet_samples(forty_ms) == 2 * FRAME_SAMPLES
    assert packet_samples(OpusEncoder().encode(TONE)) == FRAME_SAMPLES
    for frame in range(10):
        receive(frame, frame * 2 * FRAME_SAMPLES, forty_ms, 23)
        mixer._tick()
    assert mixer.metrics()["decode_errors"] > 0
    assert "undecodable Opus packet (1920 samples" in caplog.text
    await mixer.close()


class HeadlessSender:
    """What a headless site sends: aiortc's own Opus encoder (stereo, 96 kb/s, voip) and
    the RFC 6464 level aiortc computes from each frame it encodes."""

    def __init__(self) -> None:
        from aiortc.codecs.opus import OpusEncoder as AiortcOpusEncoder

        self._encoder = AiortcOpusEncoder()
        self._pts = 0

    def encode(self, pcm: np.ndarray) -> list[tuple[bytes, int]]:
        import fractions

        from av import AudioFrame

        s16 = np.round(pcm * 32767).astype(np.int16)
        frame = AudioFrame.from_ndarray(np.repeat(s16, 2).reshape(1, -1), "s16", "stereo")
        frame.sample_rate, frame.pts = 48_000, self._pts
        frame.time_base = fractions.Fraction(1, 48_000)
        self._pts += FRAME_SAMPLES
        rms = float(np.sqrt(np.mean(np.square(s16 / 32767.0))))
        level = 127 if rms == 0 else min(127, round(-20 * np.log10(rms)))
        payloads, _ = self._encoder.encode(frame)
        return [(payload, level) for payload in payloads]


async def test_a_talk_onset_after_quiet_is_heard_no_louder_than_the_steady_tone():
    """A hall that sends digital silence or quiet room noise (so it is left undecoded), then
    a tone that starts abruptly mid-frame: the silent listener hears the onset at the steady
    tone's level, not a burst from a decoder that missed the quiet frames."""
    silence_frames, tone_frames = 40, 30
    for floor_dbfs in (None, -60.0):
        mixer = Mixer()
        listener = Recorder()
        mixer.add_site(1, Recorder())
        mixer.add_site(2, listener)
        inputs = {site: mixer.input(site) for site in (1, 2)}
        await mixer.clock.stop()  # ticks by hand
        sender, hush = HeadlessSender(), OpusEncoder()
        rng = np.random.default_rng(1)
        floor = 0.0 if floor_dbfs is None else 10 ** (floor_dbfs / 20)
        onsets, seq, frame = [], 0, 0
        for offset in (160, 560, 640, 880):  # where in its frame each tone starts
            n = np.arange((silence_frames + tone_frames) * FRAME_SAMPLES)
            start = silence_frames * FRAME_SAMPLES + offset
            quiet = floor * rng.standard_normal(n.size)
            pcm = np.where(n >= start, 0.1 * np.sin(2 * np.pi * 440 * n / 48_000 + 1.0), quiet)
            onsets.append(frame + silence_frames)
            for k in range(silence_frames + tone_frames):
                for payload, level in sender.encode(
                    pcm[k * FRAME_SAMPLES : (k + 1) * FRAME_SAMPLES]
                ):
                    inputs[1](seq, seq * FRAME_SAMPLES, payload, level)
                    seq += 1
                inputs[2](frame, frame * FRAME_SAMPLES, hush.encode(np.zeros(FRAME_SAMPLES)), 127)
                mixer._tick()
                frame += 1
        peaks = np.array([np.abs(heard).max() for heard in listener.frames])
        steady = float(np.median(peaks[onsets[0] + 10 : onsets[0] + tone_frames - 2]))
        assert steady > 0.08, steady
        for onset in onsets:
            loudest = float(peaks[onset - 2 : onset + 8].max())
            assert 20 * np.log10(loudest / steady) <= 1.0, (floor_dbfs, onset, loudest, steady)
        await mixer.close()
