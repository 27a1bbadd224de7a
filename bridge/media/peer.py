"""One site's aiortc peer connection: answer its offer, wire its audio to the mixer.

Received audio is taken as RTP packets (bridge.media.rtp_tap) into the mixer's jitter
buffer; the site's mix leaves as encoded Opus packets from the mixer's ``MixTrack``.

The site offers and the bridge answers, so a reconnecting hall simply offers again. The
bridge sends on the same transceiver it receives on (one m=audio line, sendrecv), which
is what browsers and the headless endpoint expect.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from aiortc import RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import MediaStreamTrack
from aiortc.sdp import candidate_from_sdp

from bridge.media.ice import rtc_configuration
from bridge.media.rtp_tap import tap_audio
from bridge.mixer.mixer import Mixer

log = logging.getLogger(__name__)


class InvalidOffer(Exception):
    pass


class SitePeer:
    def __init__(
        self,
        site_id: int,
        mixer: Mixer,
        ice_servers: list[dict[str, str]],
        on_state: Callable[[str], None],
        muted: bool = False,
    ) -> None:
        self.site_id = site_id
        self._mixer = mixer
        self._on_state = on_state
        self._pc = RTCPeerConnection(rtc_configuration(ice_servers))
        self._output = mixer.add_site(site_id, muted=muted)
        self._pc.on("track", self._on_track)
        self._pc.on("connectionstatechange", self._on_connection_state)

    @property
    def connection_state(self) -> str:
        return self._pc.connectionState

    async def answer(self, offer_sdp: str) -> str:
        """Apply the site's offer and return the bridge's answer (complete, no trickle)."""
        try:
            await self._pc.setRemoteDescription(RTCSessionDescription(offer_sdp, "offer"))
        except Exception as exc:  # aiortc raises ValueError, KeyError, IndexError… on bad SDP
            raise InvalidOffer(str(exc) or type(exc).__name__) from exc
        transceivers = self._pc.getTransceivers()
        audio = next((t for t in transceivers if t.kind == "audio"), None)
        if audio is None:
            raise InvalidOffer("the offer has no audio")
        audio.sender.replaceTrack(self._output)
        audio.direction = "sendrecv"
        for other in transceivers:
            if other is not audio:
                # One audio stream per site; anything else is declined until a path exists.
                other.direction = "inactive"
        try:
            answer = await self._pc.createAnswer()
            await self._pc.setLocalDescription(answer)
        except Exception as exc:
            raise InvalidOffer(str(exc) or type(exc).__name__) from exc
        return self._pc.localDescription.sdp

    async def add_candidate(
        self, candidate: str, sdp_mid: str | None, sdp_mline_index: int | None
    ) -> None:
        if not candidate:
            return  # end of candidates: aiortc needs no signal for it
        line = candidate.removeprefix("candidate:")
        try:
            parsed = candidate_from_sdp(line)
            parsed.sdpMid = sdp_mid
            parsed.sdpMLineIndex = sdp_mline_index
            await self._pc.addIceCandidate(parsed)
        except (ValueError, IndexError, KeyError) as exc:
            raise InvalidOffer(f"bad candidate: {exc}") from exc

    async def close(self) -> None:
        self._mixer.remove_site(self.site_id)
        await self._pc.close()

    def _on_track(self, track: MediaStreamTrack) -> None:
        if track.kind != "audio":
            return
        receiver = next(t.receiver for t in self._pc.getTransceivers() if t.receiver.track is track)
        site_id, mixer = self.site_id, self._mixer
        tap_audio(receiver, lambda packet: mixer.receive(site_id, packet))

    def _on_connection_state(self) -> None:
        self._on_state(self._pc.connectionState)
