"""What the bridge answers for a site's video m-line: VP8 first, H.264 CB when that is all."""

import pytest
from aiortc import RTCPeerConnection, RTCRtpSender

from bridge.media.forwarder import VideoForwarder
from bridge.media.ice import restrict_host_addresses, rtc_configuration
from bridge.media.peer import SitePeer
from bridge.media.rtp_out import DirectRtpSender
from bridge.media.transport import SiteTransport
from endpoints.audio import SilenceTrack


async def answer_for(codecs: list[str]) -> tuple[SitePeer, str, DirectRtpSender]:
    site = RTCPeerConnection(rtc_configuration([]))
    site.addTransceiver(SilenceTrack(), direction="sendrecv")
    video = site.addTransceiver("video", direction="sendrecv")
    available = RTCRtpSender.getCapabilities("video").codecs
    video.setCodecPreferences(
        [c for name in codecs for c in available if c.mimeType == f"video/{name}"]
    )
    await site.setLocalDescription(await site.createOffer())
    output = DirectRtpSender()  # the peer is handed its audio, no mixer needed
    peer = SitePeer(2, lambda *packet: None, output, [], lambda state: None, VideoForwarder())
    answer = await peer.answer(site.localDescription.sdp)
    await site.close()
    return peer, answer, output


def rtpmap(sdp: str) -> list[str]:
    return [line.split()[1].split("/")[0] for line in sdp.splitlines() if "a=rtpmap" in line]


@pytest.mark.parametrize(
    ("offered", "used"),
    [(["VP8", "H264"], "VP8"), (["H264", "VP8"], "VP8"), (["H264"], "H264")],
)
async def test_the_bridge_prefers_vp8_and_accepts_constrained_baseline_h264(offered, used):
    restrict_host_addresses(["127.0.0.1"])
    try:
        peer, answer, output = await answer_for(offered)
        assert peer.video_codec == used
        assert isinstance(peer, SiteTransport)
        assert await peer.audio_statistics() is not None
        video_part = answer.split("m=video", 1)[1]
        assert "a=sendrecv" in video_part
        assert rtpmap(video_part)[0] == used
        await peer.close()
        output.stop()
    finally:
        restrict_host_addresses(None)
