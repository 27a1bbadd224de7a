"""The direct RTP sender: what a site receives is a proper RTP stream of the mix, and
aiortc's RTCP still describes it."""

import asyncio
import itertools

import numpy as np
from aiortc import RTCPeerConnection

from bridge.media.ice import restrict_host_addresses, rtc_configuration
from bridge.media.rtp_out import DirectRtpSender, IdleTrack
from bridge.media.rtp_tap import tap_audio
from bridge.mixer.opus import OpusDecoder, OpusEncoder
from bridge.mixer.tracks import FRAME_SAMPLES, SAMPLE_RATE
from endpoints.audio import ToneTrack, dominant_frequency, rms_dbfs

Packet = tuple[int, int, bytes]


async def connect(direct: DirectRtpSender, packets: list[Packet]):
    """A site (offerer, sending a tone) and the bridge (answerer, sending with ``direct``)."""
    site = RTCPeerConnection(rtc_configuration([]))
    bridge = RTCPeerConnection(rtc_configuration([]))

    @site.on("track")
    def on_track(track):
        [transceiver] = [t for t in site.getTransceivers() if t.receiver.track is track]
        tap_audio(transceiver.receiver, lambda seq, ts, data, _: packets.append((seq, ts, data)))

    site.addTransceiver(ToneTrack(440), direction="sendrecv")
    await site.setLocalDescription(await site.createOffer())
    await bridge.setRemoteDescription(site.localDescription)
    [audio] = bridge.getTransceivers()
    direct.attach(audio.sender)
    audio.direction = "sendrecv"
    await bridge.setLocalDescription(await bridge.createAnswer())
    await site.setRemoteDescription(bridge.localDescription)
    return site, bridge, audio.sender


async def test_a_site_receives_the_mix_as_one_continuous_rtp_stream_with_rtcp():
    restrict_host_addresses(["127.0.0.1"])
    direct, packets = DirectRtpSender(), []
    site, bridge, sender = await connect(direct, packets)
    try:
        assert sender.track is direct.track and isinstance(direct.track, IdleTrack)
        encoder = OpusEncoder(32_000)
        t = np.arange(FRAME_SAMPLES) / SAMPLE_RATE
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 10
        tick = 0
        while loop.time() < deadline and (len(packets) < 100 or tick < 120):
            phase = 2 * np.pi * 660 * (t + tick * FRAME_SAMPLES / SAMPLE_RATE)
            if tick != 60:  # a tick the clock skipped: no packet, a timestamp gap
                direct.send(encoder.encode((0.1 * np.sin(phase)).astype(np.float32)), tick * 960)
            tick += 1
            await asyncio.sleep(0.02)
        assert len(packets) >= 100, f"{len(packets)} packets, {direct.dropped} dropped"
        # Sequence numbers count packets sent; timestamps follow the ticks, the skipped one
        # showing as a gap of two frames.
        assert all((b[0] - a[0]) % 65536 == 1 for a, b in itertools.pairwise(packets))
        steps = [(b[1] - a[1]) % 2**32 for a, b in itertools.pairwise(packets)]
        assert set(steps) == {960, 1920} and steps.count(1920) == 1
        decoder = OpusDecoder()
        pcm = np.concatenate([decoder.decode(p) for _, _, p in packets[-40:]])
        assert abs(dominant_frequency(pcm) - 660) < 5
        assert abs(rms_dbfs(pcm) - rms_dbfs(0.1 * np.sin(2 * np.pi * 660 * t))) < 1.5
        # aiortc's statistics and sender reports count what was sent directly.
        stats = await sender.getStats()
        [outbound] = [s for s in stats.values() if s.type == "outbound-rtp"]
        assert outbound.packetsSent == direct.sent > 0
        await asyncio.sleep(1.6)  # at least one RTCP interval: 0.5 to 1.5 s
        [receiver] = [t.receiver for t in site.getTransceivers()]
        stats = await receiver.getStats()
        remote = [s for s in stats.values() if s.type == "remote-outbound-rtp"]
        assert remote and remote[0].packetsSent > 50
    finally:
        await site.close()
        await bridge.close()
        restrict_host_addresses(None)


async def test_before_the_link_is_up_packets_are_dropped_not_queued():
    direct = DirectRtpSender()
    direct.send(b"\x00", 0)
    assert (direct.sent, direct.dropped) == (0, 1)
    direct.stop()
