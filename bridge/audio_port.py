"""Where a site's audio meets the mixer: the packets it sends in, the mix it is sent back.

Both sides speak only these two shapes: the mixer (bridge.mixer) gives a site an input of
type ``OnAudioPacket`` and sends its mix to a ``MixOutput``; a site's transport
(bridge.media, or any other) calls the one and implements the other. Neither package
imports the other; the live session connects them (bridge/live/media.py).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

# (sequence number, RTP timestamp, Opus payload, ssrc-audio-level 0 loud..127 silent or None).
# Plain arguments, no object per packet: this runs for every packet of every site.
OnAudioPacket = Callable[[int, int, bytes, int | None], None]


class MixOutput(Protocol):
    def send(self, payload: bytes, pts: int) -> None:
        """One 20 ms Opus payload of the mix, stamped with its tick (1/48000 s)."""

    def stop(self) -> None:
        """The site has left: release what the output holds."""
