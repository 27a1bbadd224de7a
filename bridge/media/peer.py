"""One site's aiortc peer connection: answer its offer, wire its audio to the input and
output it is handed and its video to the forwarder (a ``SiteTransport``).

Received audio is taken as RTP packets (bridge.media.rtp_tap) into the audio input it is
given (the mixer's jitter buffer, in a live session); the site's mix leaves as RTP sent
from the mixer's tick through the ``DirectRtpSender`` it is given (bridge.media.rtp_out).
Whoever builds the peer allocates the site's mixer slot first and frees it when the peer
is closed (bridge/live/media.py): this module does not know the mixer.

Received video is taken as whole encoded frames (bridge.media.video_tap) into the
session's ``VideoForwarder``; what the site sees is written by the forwarder's paced
fan-out straight to the site's video sender (``video_tap.RtpWriter``), its ``ViewerTrack``
only telling the forwarder which sender that is.

The site offers and the bridge answers, so a reconnecting hall simply offers again. The
bridge sends on the same transceivers it receives on (one m=audio line and at most one
m=video line, sendrecv), which is what browsers and the headless endpoint expect. Video is
VP8 when the site offers it, else H.264 constrained baseline; the bridge answers with one
codec so every site sends what the others can be forwarded.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

from aiortc import (
    RTCPeerConnection,
    RTCRtpCodecCapability,
    RTCRtpSender,
    RTCRtpTransceiver,
    RTCSessionDescription,
)
from aiortc.mediastreams import MediaStreamTrack
from aiortc.sdp import candidate_from_sdp

from bridge.audio_port import OnAudioPacket
from bridge.media.aiortc_private import negotiated_codecs, nominated_pair, stamp_arrivals
from bridge.media.arrivals import LinkArrivals
from bridge.media.forwarder import VideoForwarder, ViewerTrack
from bridge.media.ice import bridge_ice_servers, rtc_configuration
from bridge.media.probe_channel import ProbeChannel
from bridge.media.rtp_out import DirectRtpSender
from bridge.media.rtp_tap import tap_audio
from bridge.media.transport import AudioStatistics
from bridge.media.video_tap import (
    EncodedFrame,
    on_keyframe_request,
    request_keyframe,
    tap_video,
)

log = logging.getLogger(__name__)


class InvalidOffer(Exception):
    pass


async def add_remote_candidate(
    pc: RTCPeerConnection, candidate: str, sdp_mid: str | None, sdp_mline_index: int | None
) -> None:
    """A trickled remote candidate (the browser's ``candidate:`` line), or ``InvalidOffer``."""
    if not candidate:
        return  # end of candidates: aiortc needs no signal for it
    try:
        parsed = candidate_from_sdp(candidate.removeprefix("candidate:"))
        parsed.sdpMid = sdp_mid
        parsed.sdpMLineIndex = sdp_mline_index
        await pc.addIceCandidate(parsed)
    except Exception as exc:  # the parser and aioice raise ValueError, AssertionError…
        raise InvalidOffer(f"bad candidate: {exc!r}") from exc


async def close_connection(pc: RTCPeerConnection) -> None:
    """Close ``pc`` whatever state a bad offer left it in, never raising.

    aiortc's ``close`` stops at the first transceiver an offer it could not apply left
    without a transport (an m-line without its ``a=mid``); the transports that do exist
    are then stopped here one by one, so no socket outlives the peer.
    """
    try:
        await pc.close()
        return
    except Exception:
        log.debug("closing a half-negotiated connection", exc_info=True)
    for transceiver in pc.getTransceivers():
        dtls = transceiver.receiver.transport
        if dtls is None:
            continue
        for stop in (dtls.stop, dtls.transport.stop):
            with contextlib.suppress(Exception):
                await stop()


def _video_preferences() -> list[RTCRtpCodecCapability]:
    """VP8 first, then H.264 constrained baseline (packetization-mode 1 before 0), + RTX."""
    codecs = RTCRtpSender.getCapabilities("video").codecs
    vp8 = [c for c in codecs if c.mimeType.lower() == "video/vp8"]
    h264 = [
        c
        for c in codecs
        if c.mimeType.lower() == "video/h264"
        and str(c.parameters.get("profile-level-id", "")).lower().startswith("42")
    ]
    rtx = [c for c in codecs if c.mimeType.lower() == "video/rtx"]
    return [*vp8, *h264, *rtx]


class SitePeer:
    """A site's browser or headless endpoint over WebRTC; satisfies
    ``bridge.media.transport.SiteTransport``.

    ``audio_input`` is where the site's received RTP packets go, ``audio_output`` what sends
    it its mix: the caller makes both (a mixer slot's input, and the output registered in
    that slot) before the peer, and frees them once the peer is closed.
    """

    def __init__(
        self,
        site_id: int,
        audio_input: OnAudioPacket,
        audio_output: DirectRtpSender,
        ice_servers: list[dict[str, str]],
        on_state: Callable[[str], None],
        forwarder: VideoForwarder | None = None,
    ) -> None:
        self.site_id = site_id
        self._audio_input = audio_input
        self._forwarder = forwarder
        self._on_state = on_state
        self._pc = RTCPeerConnection(rtc_configuration(bridge_ice_servers(ice_servers)))
        self._output = audio_output
        self._video: RTCRtpTransceiver | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._viewer: ViewerTrack | None = None
        self._source_key: Callable[[], None] | None = None
        self._arrivals: LinkArrivals | None = None
        # A connection test's: the hall's probe data channel, and a watcher of its camera's
        # frames (bridge/live/connection_test.py).
        self.probe = ProbeChannel()
        self.frame_watcher: Callable[[EncodedFrame], None] | None = None
        self._pc.on("datachannel", self.probe.attach)
        self._pc.on("track", self._on_track)
        self._pc.on("connectionstatechange", self._on_connection_state)

    @property
    def video_codec(self) -> str | None:
        """The video codec negotiated with this site ("VP8"/"H264"), None without video."""
        video = self._video
        if video is None or video.mid is None:
            return None
        codecs = negotiated_codecs(video)
        return str(codecs[0].name) if codecs else None

    @property
    def pc(self) -> RTCPeerConnection:
        """The site's aiortc connection, for reading its statistics (link quality)."""
        return self._pc

    @property
    def connection_state(self) -> str:
        return self._pc.connectionState

    async def answer(self, offer_sdp: str) -> str:
        """Apply the site's offer and return the bridge's answer (complete, no trickle)."""
        if self._forwarder is not None and self._video is None and "\nm=video" in offer_sdp:
            # Made before the offer is applied, so the site's video m-line takes it and its
            # codec preferences (the answerer's only say in which codec is used). Only when
            # there is a video m-line: aiortc cannot answer with an unassociated transceiver.
            self._video = self._pc.addTransceiver("video", direction="sendrecv")
            self._video.setCodecPreferences(_video_preferences())
        try:
            await self._pc.setRemoteDescription(RTCSessionDescription(offer_sdp, "offer"))
        except Exception as exc:  # aiortc raises ValueError, KeyError, IndexError… on bad SDP
            raise InvalidOffer(str(exc) or type(exc).__name__) from exc
        transceivers = self._pc.getTransceivers()
        audio = next((t for t in transceivers if t.kind == "audio"), None)
        if audio is None:
            raise InvalidOffer("the offer has no audio")
        self._output.attach(audio.sender)
        audio.direction = "sendrecv"
        codec = self.video_codec
        video = self._video if codec is not None else None
        if video is not None and self._forwarder is not None and codec is not None:
            self._viewer = self._forwarder.add_viewer(self.site_id, codec, own=self.site_id)
            video.sender.replaceTrack(self._viewer)
            video.direction = "sendrecv"
            forwarder, site_id = self._forwarder, self.site_id
            on_keyframe_request(video.sender, lambda: forwarder.viewer_lost_picture(site_id))
        for other in transceivers:
            if other is not audio and other is not video:
                # One audio and one video stream per site; anything else is declined.
                other.direction = "inactive"
        try:
            answer = await self._pc.createAnswer()
            await self._pc.setLocalDescription(answer)
        except Exception as exc:
            raise InvalidOffer(str(exc) or type(exc).__name__) from exc
        if self._arrivals is None:
            arrivals = LinkArrivals()
            try:  # the sockets exist once the local description is set
                stamp_arrivals(audio.sender, arrivals)
                self._arrivals = arrivals
            except (AttributeError, OSError) as exc:  # the consoles then see no liveness
                log.warning("arrival stamps unavailable for site %s: %r", self.site_id, exc)
        return self._pc.localDescription.sdp

    async def add_candidate(
        self, candidate: str, sdp_mid: str | None, sdp_mline_index: int | None
    ) -> None:
        await add_remote_candidate(self._pc, candidate, sdp_mid, sdp_mline_index)

    def request_keyframe(self) -> None:
        """Ask the site for a keyframe (a PLI on its video stream, once it has been seen)."""
        if self._source_key is not None:
            self._source_key()

    async def audio_statistics(self) -> AudioStatistics | None:
        audio = next((t for t in self._pc.getTransceivers() if t.kind == "audio"), None)
        if audio is None:
            return None
        return await audio.sender.getStats(), await audio.receiver.getStats()

    def arrivals(self) -> LinkArrivals | None:
        return self._arrivals

    def ice_pair(self) -> tuple[tuple[str, str], tuple[str, str]] | None:
        """The nominated ICE pair: ((bridge's type, protocol), (the site's type, protocol))."""
        audio = next((t for t in self._pc.getTransceivers() if t.kind == "audio"), None)
        if audio is None:
            return None
        try:
            return nominated_pair(audio.sender)
        except AttributeError:  # no ICE transport yet
            return None

    async def received_statistics(self) -> list[tuple[str, int, int, float | None]]:
        """What arrived from the site, per stream: (kind, packets received, packets lost,
        jitter in RTP units) — a connection test's uplink loss and jitter."""
        rows = []
        for transceiver in self._pc.getTransceivers():
            if transceiver.receiver.transport is None:
                continue
            report = await transceiver.receiver.getStats()
            for stats in report.values():
                if getattr(stats, "type", None) == "inbound-rtp":
                    rows.append(
                        (
                            transceiver.kind,
                            int(stats.packetsReceived),
                            int(stats.packetsLost),
                            stats.jitter,
                        )
                    )
        return rows

    async def close(self) -> None:
        """Close the connection and leave the forwarder; the audio output is stopped when
        its mixer slot is freed, by whoever allocated it."""
        if self._forwarder is not None:
            if self._source_key is not None:
                self._forwarder.remove_source(self.site_id, self._source_key)
            if self._viewer is not None:
                self._forwarder.remove_viewer(self.site_id, self._viewer)
        await close_connection(self._pc)

    def _on_track(self, track: MediaStreamTrack) -> None:
        transceiver = next(t for t in self._pc.getTransceivers() if t.receiver.track is track)
        receiver, site_id = transceiver.receiver, self.site_id
        if track.kind == "audio":
            tap_audio(receiver, self._audio_input)
            return
        forwarder, codec = self._forwarder, self.video_codec
        if forwarder is None or transceiver is not self._video or codec is None:
            return

        def on_frame(frame: EncodedFrame) -> None:
            forwarder.receive(site_id, frame)
            if self.frame_watcher is not None:
                self.frame_watcher(frame)

        tap = tap_video(receiver, lambda: codec, on_frame)

        def ask_for_keyframe() -> None:
            if tap.ssrc is not None:
                task = asyncio.get_running_loop().create_task(request_keyframe(receiver, tap.ssrc))
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)

        self._source_key = ask_for_keyframe
        forwarder.add_source(site_id, codec, ask_for_keyframe, lambda: (tap.packets, tap.gaps))

    def _on_connection_state(self) -> None:
        self._on_state(self._pc.connectionState)
