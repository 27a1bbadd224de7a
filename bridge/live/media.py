"""The media side of a live session, behind one small protocol.

``LiveSession`` is given a ``MediaSide``; it never builds peers, mixers or forwarders
itself. The real one, ``AiortcMedia``, composes the numpy mixer (``bridge.mixer``) and the
aiortc peers and video path (``bridge.media``) — the only place the two meet, so neither
package imports the other. It allocates a site's mixer slot before its transport is built
and frees it when the transport closes, and hands the peer its audio input (where received
packets go) and output (what the tick sends). Tests give a ``LiveSession`` a fake media
side instead (tests/live/fakes.py); later the same protocol can front worker processes or
a cascade link. A recording (bridge.recording) is fed through ``record``: the mixer's
shared payload every tick and every frame the forwarder receives, as they are.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any, Protocol

from bridge.live.quality import QualityMonitor
from bridge.media.forwarder import VideoForwarder
from bridge.media.grid import GridPeer
from bridge.media.peer import SitePeer
from bridge.media.preview import ConsolePeer
from bridge.media.rtp_out import DirectRtpSender
from bridge.media.video_tap import count_codec_use
from bridge.mixer.core import MixerConfig
from bridge.mixer.mixer import EncodingConfig, Listener, Mixer
from bridge.recording.recorder import RecordingSink

log = logging.getLogger(__name__)

QUALITY_EVERY = 10  # quality samples per published round; each sample reads a tenth


class Transport(Protocol):
    """One participant's media connection (a site's peer, a console's preview peer)."""

    async def answer(self, offer_sdp: str) -> str: ...
    async def add_candidate(
        self, candidate: str, sdp_mid: str | None, sdp_mline_index: int | None
    ) -> None: ...
    async def close(self) -> None: ...


class GridTransport(Transport, Protocol):
    """A hall's grid peer: ``cells`` m-lines answered, each showing one site."""

    @property
    def cells(self) -> int: ...
    def show(self, cells: Sequence[int | None]) -> None: ...


class MediaSide(Protocol):
    """What a live session asks of its media: transports, mute, routing, meters."""

    def site_transport(
        self, site_id: int, on_state: Callable[[str], None], muted: bool
    ) -> Transport: ...
    def console_transport(self, key: int, roster: list[int]) -> Transport: ...
    def grid_transport(self, site_id: int) -> GridTransport: ...
    def set_muted(self, site_id: int, muted: bool) -> None: ...
    def set_input_gain(self, site_id: int, gain_db: float) -> None: ...
    def input_gain_db(self, site_id: int) -> float: ...
    def route(self, viewer: int, source: int | None) -> None: ...
    def meters(self) -> dict[int, tuple[float, bool]]: ...
    def dominant(self) -> int | None: ...
    async def sample_quality(self) -> bool: ...
    def quality(self) -> list[Any]: ...
    def metrics(self) -> dict[str, Any]: ...
    def reset_metrics(self) -> None: ...
    def probe(self, site_id: int) -> Any | None: ...
    def record(self, sink: RecordingSink | None) -> None: ...
    def request_keyframe(self, site_id: int) -> None: ...
    async def close(self) -> None: ...


class AiortcMedia:
    """The bridge's own media: one aiortc peer per site, the mixer, the video forwarder."""

    def __init__(
        self,
        ice_servers: list[dict[str, str]],
        mixer_config: MixerConfig | None = None,
        encoding: EncodingConfig | None = None,
    ) -> None:
        self.ice_servers = ice_servers
        self.mixer = Mixer(mixer_config, encoding)
        self.forwarder = VideoForwarder()
        self._peers: dict[int, SitePeer] = {}
        self._quality = QualityMonitor(QUALITY_EVERY)

    def site_transport(
        self, site_id: int, on_state: Callable[[str], None], muted: bool
    ) -> Transport:
        output = DirectRtpSender()
        self.mixer.add_site(site_id, output, muted=muted)
        audio_input = self.mixer.input(site_id)
        peer = SitePeer(
            site_id, audio_input, output, self.ice_servers, on_state, forwarder=self.forwarder
        )
        self._peers[site_id] = peer
        return _SiteMedia(self, site_id, peer)

    def _forget(self, site_id: int, peer: SitePeer) -> None:
        if self._peers.get(site_id) is peer:
            del self._peers[site_id]

    def console_transport(self, key: int, roster: list[int]) -> Transport:
        return ConsolePeer(key, roster, self.forwarder, self.ice_servers)

    def grid_transport(self, site_id: int) -> GridTransport:
        return GridPeer(site_id, self.forwarder, self.ice_servers)

    def set_muted(self, site_id: int, muted: bool) -> None:
        self.mixer.set_muted(site_id, muted)

    def set_input_gain(self, site_id: int, gain_db: float) -> None:
        self.mixer.set_input_gain(site_id, gain_db)

    def input_gain_db(self, site_id: int) -> float:
        return self.mixer.input_gain_db(site_id)

    def route(self, viewer: int, source: int | None) -> None:
        self.forwarder.route(viewer, source)

    def meters(self) -> dict[int, tuple[float, bool]]:
        return self.mixer.meters()

    def dominant(self) -> int | None:
        return self.mixer.dominant()

    async def sample_quality(self) -> bool:
        """Read the next tenth of the sites' link statistics (bounded work per call); True
        when a site's "no media" changed (to be published now)."""
        try:
            return await self._quality.read_some(self._peers)
        except Exception:  # never let statistics stop the meters
            log.exception("reading link quality failed")
            return False

    def quality(self) -> list[Any]:
        return self._quality.entries()

    def probe(self, site_id: int) -> SiteProbe | None:
        """What a connection test measures a connected site with; None without a peer."""
        peer = self._peers.get(site_id)
        return None if peer is None else SiteProbe(self.mixer, peer)

    def record(self, sink: RecordingSink | None) -> None:
        """Feed ``sink`` the shared mix's Opus payload every tick and every video frame
        received from any site (it keeps the shown site's); None stops feeding. One sink
        at a time: a session has one recording."""
        self.mixer.recorders[:] = [] if sink is None else [sink.audio]
        self.forwarder.frame_taps[:] = [] if sink is None else [sink.video]

    def request_keyframe(self, site_id: int) -> None:
        """Ask ``site_id`` for a keyframe (rate-limited with the viewers' requests)."""
        self.forwarder.request_keyframe(site_id)

    def metrics(self) -> dict[str, Any]:
        counts = count_codec_use()
        video = {**self.forwarder.metrics(), "encodes": counts.encodes, "decodes": counts.decodes}
        return {**self.mixer.metrics(), "video": video}

    def reset_metrics(self) -> None:
        self.mixer.clock.lateness.clear()
        self.mixer.latency.clear()
        self.forwarder.switch_wait.clear()

    async def close(self) -> None:
        self.forwarder.close()
        await self.mixer.close()


class SiteProbe:
    """A connection test's view of one site's media: its peer (ICE, statistics, the probe
    channel, its camera's frames) and its mixer slot (what its microphone sends, and a
    sound played to it alone)."""

    def __init__(self, mixer: Mixer, peer: SitePeer) -> None:
        self._mixer = mixer
        self.peer = peer
        self.site_id = peer.site_id

    @property
    def connected(self) -> bool:
        return self.peer.connection_state == "connected"

    def listen(self, listener: Listener | None) -> None:
        self._mixer.listen(self.site_id, listener)

    def play(self, samples: Any, started: Callable[[float], None] | None = None) -> int:
        return self._mixer.play(self.site_id, samples, started)

    def jitter_delay_ms(self) -> float | None:
        stats = self._mixer.jitter_stats(self.site_id)
        return None if stats is None else float(stats.delay_ms)

    def concealed(self) -> tuple[int, int] | None:
        """(frames played, frames concealed without FEC) by the mixer, so far."""
        stats = self._mixer.jitter_stats(self.site_id)
        if stats is None:
            return None
        return int(stats.played), int(stats.concealed - stats.fec_candidates)


class _SiteMedia:
    """A site's transport as the live session sees it: its peer, forgotten (statistics,
    mixer slot) when closed."""

    def __init__(self, media: AiortcMedia, site_id: int, peer: SitePeer) -> None:
        self._media = media
        self.site_id = site_id
        self.peer = peer

    async def answer(self, offer_sdp: str) -> str:
        return await self.peer.answer(offer_sdp)

    async def add_candidate(
        self, candidate: str, sdp_mid: str | None, sdp_mline_index: int | None
    ) -> None:
        await self.peer.add_candidate(candidate, sdp_mid, sdp_mline_index)

    async def close(self) -> None:
        self._media._forget(self.site_id, self.peer)
        self._media.mixer.remove_site(self.site_id)  # its mix stops before its connection
        await self.peer.close()
