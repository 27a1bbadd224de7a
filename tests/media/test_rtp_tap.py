import asyncio
import itertools
from types import SimpleNamespace

from aiortc import RTCPeerConnection

from bridge.media.codecs import negotiate_opus_fec
from bridge.media.ice import restrict_host_addresses, rtc_configuration
from bridge.media.rtp_tap import parse_audio_rtp, tap_audio
from endpoints.audio import ToneTrack


async def connect_pair(on_packet) -> tuple[RTCPeerConnection, RTCPeerConnection, list]:
    restrict_host_addresses(["127.0.0.1"])
    sender, receiver = (
        RTCPeerConnection(rtc_configuration([])),
        RTCPeerConnection(rtc_configuration([])),
    )
    tracks = []

    @receiver.on("track")
    def on_track(track):
        [transceiver] = [t for t in receiver.getTransceivers() if t.receiver.track is track]
        tracks.append((track, tap_audio(transceiver.receiver, on_packet), transceiver.receiver))

    sender.addTrack(ToneTrack(440))
    await sender.setLocalDescription(await sender.createOffer())
    await receiver.setRemoteDescription(sender.localDescription)
    await receiver.setLocalDescription(await receiver.createAnswer())
    await sender.setRemoteDescription(receiver.localDescription)
    return sender, receiver, tracks


async def test_the_tap_gets_every_packet_and_aiortc_decodes_none():
    packets: list[SimpleNamespace] = []

    def on_packet(seq: int, timestamp: int, payload: bytes, level: int | None) -> None:
        packets.append(
            SimpleNamespace(sequence_number=seq, timestamp=timestamp, payload=payload, level=level)
        )

    try:
        sender, receiver, tracks = await connect_pair(on_packet)
        for _ in range(100):
            if len(packets) >= 50:
                break
            await asyncio.sleep(0.05)
        assert len(packets) >= 50
        seqs = [p.sequence_number for p in packets]
        assert all((b - a) % 65536 == 1 for a, b in itertools.pairwise(seqs))
        steps = {(b.timestamp - a.timestamp) % 2**32 for a, b in itertools.pairwise(packets)}
        assert steps == {960}
        assert all(p.payload for p in packets)
        # The tone's level travels in the ssrc-audio-level extension, about -23 dBov.
        assert all(p.level is not None and 15 <= p.level <= 30 for p in packets)
        # nothing reached aiortc's decoder: the remote track's frame queue stays empty
        [(track, tap, rtp_receiver)] = tracks
        assert track._queue.qsize() == 0
        # After the first packet the rest came by the fast path, and aiortc's receive
        # statistics (its receiver reports, getStats) still count every one.
        assert tap.fast_path is not None and tap.fast_path.packets >= len(packets) - 5
        stats = await rtp_receiver.getStats()
        [inbound] = [s for s in stats.values() if s.type == "inbound-rtp"]
        assert inbound.packetsReceived >= len(packets)
        await sender.close()
        await receiver.close()
    finally:
        restrict_host_addresses(None)


async def test_the_bridge_asks_senders_for_in_band_fec():
    negotiate_opus_fec()
    try:
        restrict_host_addresses(["127.0.0.1"])
        pc = RTCPeerConnection(rtc_configuration([]))
        pc.addTransceiver("audio")
        await pc.setLocalDescription(await pc.createOffer())
        fmtp = [ln for ln in pc.localDescription.sdp.splitlines() if ln.startswith("a=fmtp:96")]
        assert fmtp and "useinbandfec=1" in fmtp[0]
        await pc.close()
    finally:
        restrict_host_addresses(None)


def test_the_fast_path_reads_rtp_headers_as_aiortc_does():
    from aiortc.rtcrtpparameters import RTCRtpHeaderExtensionParameters, RTCRtpParameters
    from aiortc.rtp import HeaderExtensionsMap, RtpPacket

    extensions = HeaderExtensionsMap()
    extensions.configure(
        RTCRtpParameters(
            headerExtensions=[
                RTCRtpHeaderExtensionParameters(id=1, uri="urn:ietf:params:rtp-hdrext:sdes:mid"),
                RTCRtpHeaderExtensionParameters(
                    id=3, uri="urn:ietf:params:rtp-hdrext:ssrc-audio-level"
                ),
            ]
        )
    )
    for level, mid, csrc, padding in [(None, None, [], 0), (42, "0", [], 0), (7, "abc", [9], 4)]:
        packet = RtpPacket(payload_type=111, sequence_number=65535, timestamp=2**32 - 1)
        packet.csrc = csrc
        packet.padding_size = padding
        packet.payload = b"opus-payload"
        packet.extensions.mid = mid
        if level is not None:
            packet.extensions.audio_level = (True, level)
        parsed = parse_audio_rtp(packet.serialize(extensions), 3)
        assert parsed == (65535, 2**32 - 1, b"opus-payload", level)
