"""What a site's media connection offers the live session, whatever carries it.

A browser's or the headless endpoint's WebRTC peer (``bridge.media.peer.SitePeer``) is
the one today; a cascade link to another bridge, a recorder or an in-process loopback can
take its place by offering the same. The transport is handed its audio input and output
(bridge.audio_port) by whoever builds it, and owns neither the mixer slot nor the
forwarder: the live session allocates and frees those.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol, runtime_checkable

from bridge.media.arrivals import LinkArrivals

# A site's audio statistics as the far end and the bridge see them: the sender's report
# (remote-inbound-rtp: round trip, loss and jitter towards the site) and the receiver's
# (inbound-rtp: what arrives from it), each keyed by statistics id.
AudioStatistics = tuple[Mapping[str, Any], Mapping[str, Any]]


@runtime_checkable
class SiteTransport(Protocol):
    site_id: int

    @property
    def connection_state(self) -> str:
        """ "new", "connecting", "connected", "failed" or "closed", as WebRTC names them."""
        ...

    async def answer(self, offer_sdp: str) -> str:
        """Apply the site's offer and return the complete answer; ``InvalidOffer`` if bad."""
        ...

    async def add_candidate(
        self, candidate: str, sdp_mid: str | None, sdp_mline_index: int | None
    ) -> None:
        """One trickled remote candidate; an empty one ends them."""
        ...

    def request_keyframe(self) -> None:
        """Ask the site for a keyframe of its video (nothing when it sends none)."""
        ...

    async def audio_statistics(self) -> AudioStatistics | None:
        """The link's audio statistics now, None when there is no audio stream (yet)."""
        ...

    def arrivals(self) -> LinkArrivals | None:
        """When the site's media last arrived and the round trip from arrival stamps
        (bridge.media.arrivals); None if this transport cannot tell."""
        ...

    async def close(self) -> None:
        """Stop sending and receiving; the audio output is stopped by whoever frees it."""
        ...
