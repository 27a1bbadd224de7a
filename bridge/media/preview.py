"""An operator console's live previews: one receive-only video stream per roster site.

The console offers one ``recvonly`` video m-line per roster site, in roster order; the
bridge answers each with that site's forwarded video (``VideoForwarder`` viewer keyed
``(console, site)``). Nothing is decoded or encoded here either: a site that is not shown
is told ``video {send: "preview"}`` while a console watches, so what the console gets is
that site's own small, slow stream (the shown site's full one for the shown site).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from aiortc import RTCPeerConnection, RTCSessionDescription

from bridge.media.aiortc_private import negotiated_codecs
from bridge.media.forwarder import VideoForwarder, ViewerTrack
from bridge.media.ice import bridge_ice_servers, rtc_configuration
from bridge.media.peer import InvalidOffer, add_remote_candidate, close_connection
from bridge.media.video_tap import on_keyframe_request

log = logging.getLogger(__name__)


def _lost_picture(forwarder: VideoForwarder, key: tuple[int, int]) -> Callable[[], None]:
    return lambda: forwarder.viewer_lost_picture(key)


class ConsolePeer:
    def __init__(
        self,
        key: int,
        roster: list[int],
        forwarder: VideoForwarder,
        ice_servers: list[dict[str, str]],
    ) -> None:
        self.key = key
        self._roster = roster
        self._forwarder = forwarder
        self._pc = RTCPeerConnection(rtc_configuration(bridge_ice_servers(ice_servers)))
        self._viewers: list[tuple[tuple[int, int], ViewerTrack]] = []

    @property
    def previews(self) -> int:
        return len(self._viewers)

    async def answer(self, offer_sdp: str) -> str:
        try:
            await self._pc.setRemoteDescription(RTCSessionDescription(offer_sdp, "offer"))
        except Exception as exc:  # aiortc raises ValueError, KeyError… on bad SDP
            raise InvalidOffer(str(exc) or type(exc).__name__) from exc
        videos = [t for t in self._pc.getTransceivers() if t.kind == "video"]
        if not videos:
            raise InvalidOffer("a console's offer needs one video m-line per roster site")
        forwarder = self._forwarder
        for index, transceiver in enumerate(self._pc.getTransceivers()):
            position = videos.index(transceiver) if transceiver in videos else -1
            codecs = negotiated_codecs(transceiver)
            if not 0 <= position < len(self._roster) or not codecs:
                transceiver.direction = "inactive"
                continue
            site_id = self._roster[position]
            key = (self.key, site_id)
            track = forwarder.add_viewer(key, str(codecs[0].name))
            self._viewers.append((key, track))
            transceiver.sender.replaceTrack(track)
            transceiver.direction = "sendonly"
            on_keyframe_request(transceiver.sender, _lost_picture(forwarder, key))
            forwarder.route(key, site_id)
            log.debug("console %s m-line %d previews site %d", self.key, index, site_id)
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
        for key, track in self._viewers:
            self._forwarder.remove_viewer(key, track)
        self._viewers.clear()
        await close_connection(self._pc)
