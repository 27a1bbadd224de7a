"""The forwarder alone: which frames each viewer gets, timelines, keyframe requests; and
one viewer's packets through a real aiortc connection."""

import asyncio
import itertools
import time

from aiortc import RTCPeerConnection

from bridge.media.forwarder import VIDEO_CLOCK, VideoForwarder
from bridge.media.ice import restrict_host_addresses, rtc_configuration
from bridge.media.pacer import FanOutPacer
from bridge.media.video_tap import EncodedFrame, count_codec_use, on_keyframe_request, tap_video
from endpoints.video import encode_picture


def frame(source: int, n: int, key: bool = False, base: int = 0) -> EncodedFrame:
    return EncodedFrame(f"{source}:{n}".encode(), (base + n * 3000) % 2**32, key)


class Packets:
    """A viewer's writer in these tests: keeps what would go on the wire."""

    def __init__(self) -> None:
        self.packets: list[tuple[bytes, bytes, int, bool]] = []

    def write(self, prefix: bytes, payload: bytes, timestamp: int, marker: bool) -> bool:
        self.packets.append((prefix, payload, timestamp, marker))
        return True

    def frame_sent(self, timestamp: int, now: float) -> None:
        pass

    def frames(self) -> list[tuple[bytes, int]]:
        """Whole frames (payload bytes without the VP8 descriptors, timestamp), emptied."""
        out, data = [], b""
        for _, payload, timestamp, marker in self.packets:
            data += payload
            if marker:
                out.append((data, timestamp))
                data = b""
        self.packets.clear()
        return out


def viewer(fwd: VideoForwarder, key: int, codec: str = "VP8", own: int | None = None):
    track = fwd.add_viewer(key, codec, own=own)
    writer = Packets()
    track.attach(writer)
    return track, writer


async def drained(writer: Packets) -> list[tuple[bytes, int]]:
    for _ in range(20):  # the pacer sends from loop callbacks
        await asyncio.sleep(0)
    return writer.frames()


def forwarder_with(*sources: int) -> tuple[VideoForwarder, dict[int, list[int]]]:
    fwd = VideoForwarder(keyframe_interval=0.3)
    asked: dict[int, list[int]] = {s: [] for s in sources}
    for s in sources:
        fwd.add_source(s, "VP8", lambda s=s: asked[s].append(1))
    return fwd, asked


async def test_a_viewer_starts_on_a_keyframe_and_gets_every_frame_after_it():
    fwd, asked = forwarder_with(1)
    _, out = viewer(fwd, 2)
    fwd.route(2, 1)
    assert asked[1] == [1], "a new viewer asks its source for a keyframe"
    fwd.receive(1, frame(1, 0))
    assert await drained(out) == []
    fwd.receive(1, frame(1, 1, key=True))
    fwd.receive(1, frame(1, 2))
    assert [d for d, _ in await drained(out)] == [b"1:1", b"1:2"]


async def test_a_viewer_not_connected_yet_gets_nothing_then_starts_from_a_keyframe():
    fwd, asked = forwarder_with(1)
    track = fwd.add_viewer(2, "VP8")
    fwd.route(2, 1)
    fwd.receive(1, frame(1, 0, key=True))
    fwd.receive(1, frame(1, 1))
    assert not track.ready and not track._frames, "nothing is kept for an unconnected viewer"
    await asyncio.sleep(0.35)  # past the keyframe-request interval
    out = Packets()
    track.attach(out)
    assert len(asked[1]) == 2, "connected: it asks its source for a keyframe"
    fwd.receive(1, frame(1, 2))
    fwd.receive(1, frame(1, 3, key=True))
    assert [d for d, _ in await drained(out)] == [b"1:3"]


async def test_a_switch_holds_the_old_picture_until_the_new_keyframe_then_continues_smoothly():
    fwd, asked = forwarder_with(1, 3)
    _, out = viewer(fwd, 2)
    fwd.route(2, 1)
    fwd.receive(1, frame(1, 0, key=True))
    fwd.receive(1, frame(1, 1))
    fwd.route(2, 3)
    assert asked[3] == [1]
    fwd.receive(3, frame(3, 0, base=123_456_789))  # not a keyframe: nothing yet
    fwd.receive(1, frame(1, 2))  # still the old picture
    await asyncio.sleep(0.05)
    fwd.receive(3, frame(3, 1, key=True, base=123_456_789))
    fwd.receive(1, frame(1, 3))  # the old source is no longer forwarded
    fwd.receive(3, frame(3, 2, base=123_456_789))
    frames = await drained(out)
    assert [d for d, _ in frames] == [b"1:0", b"1:1", b"1:2", b"3:1", b"3:2"]
    pts = [p for _, p in frames]
    assert pts[:3] == [0, 3000, 6000]
    # rebased: the new source continues by the wall-clock gap, not its own timestamps
    assert 0.04 * VIDEO_CLOCK <= pts[3] - pts[2] <= 0.5 * VIDEO_CLOCK
    assert pts[4] - pts[3] == 3000
    assert fwd.watching(2) == 3 and fwd.switches == 2


async def test_timestamps_wrap_around_within_a_source():
    fwd, _ = forwarder_with(1)
    _, out = viewer(fwd, 2)
    fwd.route(2, 1)
    fwd.receive(1, frame(1, 0, key=True, base=2**32 - 3000))
    fwd.receive(1, frame(1, 1, base=2**32 - 3000))
    assert [p for _, p in await drained(out)] == [0, 3000]


async def test_viewer_keyframe_requests_go_to_its_source_at_most_once_per_interval():
    fwd, asked = forwarder_with(1)
    for key in (2, 3, 4):
        viewer(fwd, key)
        fwd.route(key, 1)
    fwd.receive(1, frame(1, 0, key=True))
    for key in (2, 3, 4):
        fwd.viewer_lost_picture(key)
    assert len(asked[1]) == 1
    await asyncio.sleep(0.35)
    fwd.viewer_lost_picture(3)
    assert len(asked[1]) == 2


async def test_a_viewer_that_falls_behind_restarts_from_the_next_keyframe():
    fwd, _ = forwarder_with(1)
    track, out = viewer(fwd, 2)
    fwd.route(2, 1)
    fwd.receive(1, frame(1, 0, key=True))
    for n in range(1, 40):  # no loop turn, nothing sent: its 30-frame bound is hit
        fwd.receive(1, frame(1, n))
    assert len(track._frames) < 30
    before = len(track._frames)
    fwd.receive(1, frame(1, 40))
    assert len(track._frames) == before, "after an overflow only a keyframe restarts it"
    fwd.receive(1, frame(1, 41, key=True))
    assert [d for d, _ in await drained(out)][-1] == b"1:41"


async def test_the_shown_site_does_not_get_its_own_picture_and_other_codecs_wait():
    fwd, _ = forwarder_with(1)
    _, own = viewer(fwd, 1, own=1)
    _, h264 = viewer(fwd, 2, "H264")
    fwd.route(2, 1)
    fwd.receive(1, frame(1, 0, key=True))
    assert await drained(own) == [] and await drained(h264) == []


async def test_a_keyframe_is_cut_into_packets_with_one_picture_id_per_frame():
    fwd, _ = forwarder_with(1)
    _, out = viewer(fwd, 2)
    fwd.route(2, 1)
    big = EncodedFrame(bytes(range(256)) * 20, 0, True)  # 5 120 bytes: 4 packets
    fwd.receive(1, big)
    fwd.receive(1, frame(1, 1))
    for _ in range(20):
        await asyncio.sleep(0)
    packets = out.packets
    assert [m for *_, m in packets] == [False, False, False, True, True]
    assert b"".join(p for _, p, _, _ in packets[:4]) == big.data
    assert all(len(pre) + len(p) <= 1300 for pre, p, _, _ in packets)
    # RFC 7741 descriptors: S bit on each frame's first packet, the picture ID + 1 per frame
    assert [pre[0] for pre, *_ in packets] == [0x90, 0x80, 0x80, 0x80, 0x90]
    ids = [int.from_bytes(pre[2:4], "big") & 0x7FFF for pre, *_ in packets]
    assert len(set(ids[:4])) == 1 and ids[4] == (ids[0] + 1) & 0x7FFF


class SlowPackets(Packets):
    def write(self, prefix: bytes, payload: bytes, timestamp: int, marker: bool) -> bool:
        end = time.perf_counter() + 0.000_01  # ~ SRTP + sendto of a real packet
        while time.perf_counter() < end:
            pass
        return super().write(prefix, payload, timestamp, marker)


async def test_a_big_fan_out_is_sent_in_short_slices_and_every_viewer_gets_it_all():
    pacer = FanOutPacer(budget_s=0.0005)
    fwd = VideoForwarder(pacer=pacer)
    fwd.add_source(1, "VP8", lambda: None)
    outs = []
    for key in range(2, 52):
        track = fwd.add_viewer(key, "VP8")
        out = SlowPackets()
        track.attach(out)
        fwd.route(key, 1)
        outs.append(out)
    keyframe = EncodedFrame(bytes(40_000), 0, True)  # ~31 packets x 50 viewers
    fwd.receive(1, keyframe)
    for _ in range(500):
        if all(o.packets and o.packets[-1][3] for o in outs):
            break
        await asyncio.sleep(0)
    assert all(b"".join(p for _, p, _, _ in o.packets) == keyframe.data for o in outs)
    # A slice stops at the first packet past its 0.5 ms: at >= 10 µs a packet, 51 at most
    # (fewer when the process is paused, never more), so the loop got back that often.
    packets = sum(len(o.packets) for o in outs)
    assert pacer.slices >= packets / 51


async def test_a_viewer_gets_its_packets_through_aiortc_with_rtcp_and_keyframe_requests():
    """A site (offerer, receiving) and the bridge's side (a viewer track on aiortc's sender):
    the site assembles exactly the frames put, on the viewer's timeline; its PLI reaches the
    forwarder; aiortc's sender reports count the packets written directly."""
    restrict_host_addresses(["127.0.0.1"])
    counts = count_codec_use()
    before = (counts.encodes, counts.decodes)
    picture = encode_picture("blue", seconds=0.5)
    fwd = VideoForwarder()
    asked: list[int] = []
    fwd.add_source(1, "VP8", lambda: asked.append(1))
    received: list[EncodedFrame] = []
    site = RTCPeerConnection(rtc_configuration([]))
    bridge = RTCPeerConnection(rtc_configuration([]))
    lost: list[bool] = []
    try:

        @site.on("track")
        def on_track(track):
            [t] = [t for t in site.getTransceivers() if t.receiver.track is track]
            tap_video(t.receiver, lambda: "VP8", received.append)

        site.addTransceiver("video", direction="recvonly")
        await site.setLocalDescription(await site.createOffer())
        await bridge.setRemoteDescription(site.localDescription)
        [transceiver] = bridge.getTransceivers()
        track = fwd.add_viewer(2, "VP8")
        transceiver.sender.replaceTrack(track)
        transceiver.direction = "sendonly"
        on_keyframe_request(transceiver.sender, lambda: lost.append(True))
        fwd.route(2, 1)
        await bridge.setLocalDescription(await bridge.createAnswer())
        await site.setRemoteDescription(bridge.localDescription)
        for _ in range(100):
            if track.ready:
                break
            await asyncio.sleep(0.05)
        assert track.ready, "aiortc's sender never started"
        frames = [
            EncodedFrame(data, 1000 + 3000 * i, i == 0) for i, data in enumerate(picture.frames)
        ]
        for f in frames:
            fwd.receive(1, f)
            await asyncio.sleep(1 / 30)
        for _ in range(40):
            if len(received) >= len(frames) - 1:
                break
            await asyncio.sleep(0.05)
        # aiortc emits a frame when the next one starts: all but the last one arrived
        assert [f.data for f in received] == [f.data for f in frames[: len(received)]]
        assert len(received) >= len(frames) - 1
        assert received[0].keyframe
        steps = {(b.timestamp - a.timestamp) % 2**32 for a, b in itertools.pairwise(received)}
        assert steps == {3000}
        await site.getTransceivers()[0].receiver._send_rtcp_pli(transceiver.sender._ssrc)
        for _ in range(40):
            if lost:
                break
            await asyncio.sleep(0.05)
        assert lost, "the site's PLI never reached the forwarder"
        stats = await transceiver.sender.getStats()
        [outbound] = [s for s in stats.values() if s.type == "outbound-rtp"]
        assert outbound.packetsSent == track.writer.sent > len(frames)  # type: ignore[union-attr]
        assert (counts.encodes, counts.decodes) == before
    finally:
        await site.close()
        await bridge.close()
        restrict_host_addresses(None)
