import asyncio
import itertools
from types import SimpleNamespace

from aiortc import RTCPeerConnection

from bridge.media.codecs import negotiate_opus_fec
from bridge.media.ice import restrict_host_addresses, rtc_configuration
from bridge.media.rtp_tap import tap_audio
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
        tracks.append(track)
        [transceiver] = [t for t in receiver.getTransceivers() if t.receiver.track is track]
        tap_audio(transceiver.receiver, on_packet)

    sender.addTrack(ToneTrack(440))
    await sender.setLocalDescription(await sender.createOffer())
    await receiver.setRemoteDescription(sender.localDescription)
    await receiver.setLocalDescription(await receiver.createAnswer())
    await sender.setRemoteDescription(receiver.localDescription)
    return sender, receiver, tracks


async def test_the_tap_gets_every_packet_and_aiortc_decodes_none():
    packets: list[SimpleNamespace] = []

    def on_packet(seq: int, timestamp: int, payload: bytes, level: int | None) -> None:
        packets.append(SimpleNamespace(sequence_number=seq, timestamp=timestamp, payload=payload))

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
        # nothing reached aiortc's decoder: the remote track's frame queue stays empty
        assert tracks[0]._queue.qsize() == 0
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
