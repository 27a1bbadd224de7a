"""A receive-only peer (from the remote side's view) whose video m-lines each carry one
forwarded stream: what an operator console's previews and a hall's grid cells share.

The remote side offers ``recvonly`` video m-lines; the bridge answers the first
``len(keys)`` of them ``sendonly``, each with a ``VideoForwarder`` viewer keyed
``keys[i]`` (which source it shows is the owner's business: ``forwarder.route``); any
other m-line is declined (``inactive``). Nothing is decoded or encoded.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Hashable, Sequence

from aiortc import RTCPeerConnection, RTCSessionDescription

from bridge.media.aiortc_private import negotiated_codecs
from bridge.media.forwarder import VideoForwarder, ViewerTrack
from bridge.media.ice import bridge_ice_servers, rtc_configuration
from bridge.media.peer import InvalidOffer, add_remote_candidate, close_connection
from bridge.media.video_tap import on_keyframe_request

log = logging.getLogger(__name__)


def _lost_picture(forwarder: VideoForwarder, key: Hashable) -> Callable[[], None]:
    return lambda: forwarder.viewer_lost_picture(key)


class ViewingPeer:
    def __init__(self, forwarder: VideoForwarder, ice_servers: list[dict[str, str]]) -> None:
        self.forwarder = forwarder
        self._pc = RTCPeerConnection(rtc_configuration(bridge_ice_servers(ice_servers)))
        self.viewers: list[tuple[Hashable, ViewerTrack]] = []  # in m-line order

    async def answer_views(self, offer_sdp: str, keys: Sequence[Hashable], what: str) -> str:
        """Answer ``offer_sdp``: its i-th video m-line (i < len(keys)) becomes the viewer
        ``keys[i]``. ``what`` names the offer's purpose in an ``InvalidOffer``."""
        try:
            await self._pc.setRemoteDescription(RTCSessionDescription(offer_sdp, "offer"))
        except Exception as exc:  # aiortc raises ValueError, KeyError… on bad SDP
            raise InvalidOffer(str(exc) or type(exc).__name__) from exc
        videos = [t for t in self._pc.getTransceivers() if t.kind == "video"]
        if not videos:
            raise InvalidOffer(f"{what} needs at least one video m-line")
        forwarder = self.forwarder
        for transceiver in self._pc.getTransceivers():
            position = videos.index(transceiver) if transceiver in videos else -1
            codecs = negotiated_codecs(transceiver)
            if not 0 <= position < len(keys) or not codecs:
                transceiver.direction = "inactive"
                continue
            key = keys[position]
            track = forwarder.add_viewer(key, str(codecs[0].name))
            self.viewers.append((key, track))
            transceiver.sender.replaceTrack(track)
            transceiver.direction = "sendonly"
            on_keyframe_request(transceiver.sender, _lost_picture(forwarder, key))
        try:
            await self._pc.setLocalDescription(await self._pc.createAnswer())
        except Exception as exc:
            raise InvalidOffer(str(exc) or type(exc).__name__) from exc
        return str(self._pc.localDescription.sdp)

    async def add_candidate(
        self, candidate: str, sdp_mid: str | None, sdp_mline_index: int | None
    ) -> None:
        await add_remote_candidate(self._pc, candidate, sdp_mid, sdp_mline_index)

    async def close(self) -> None:
        for key, track in self.viewers:
            self.forwarder.remove_viewer(key, track)
        self.viewers.clear()
        await close_connection(self._pc)
