"""A hall's grid peer (bridge/media/grid.py): one forwarder viewer per cell, at most eight,
re-routed by ``show`` (tests/web/test_site_grid.py sees
the pictures); removed with the peer."""

from aiortc import RTCPeerConnection

from bridge.media.forwarder import VideoForwarder
from bridge.media.grid import GridPeer
from bridge.media.ice import restrict_host_addresses, rtc_configuration


async def test_each_cell_is_a_viewer_at_most_eight_routed_by_show_and_gone_on_close():
    restrict_host_addresses(["127.0.0.1"])
    try:
        hall = RTCPeerConnection(rtc_configuration([]))
        for _ in range(10):
            hall.addTransceiver("video", direction="recvonly")
        await hall.setLocalDescription(await hall.createOffer())
        forwarder = VideoForwarder()
        peer = GridPeer(2, forwarder, [])
        answer = await peer.answer(hall.localDescription.sdp)
        await hall.close()
        directions = [line for line in answer.splitlines() if line in ("a=sendonly", "a=inactive")]
        assert directions == ["a=sendonly"] * 8 + ["a=inactive"] * 2
        assert peer.cells == 8
        assert forwarder.viewers() == [("grid", 2, i) for i in range(8)]
        peer.show([3, 4, None])  # no source yet: each waits for its first keyframe
        assert forwarder.watching(("grid", 2, 0)) is None
        await peer.close()
        assert forwarder.viewers() == []
    finally:
        restrict_host_addresses(None)
