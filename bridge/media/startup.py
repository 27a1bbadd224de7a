"""What the media path changes in aiortc and aioice for the whole process, done once.

Every entry point calls ``install`` before any peer connection is made: ``bridge serve``
and ``create_app`` (so an app made by ``create_app`` alone, as tests and embedders do,
behaves like ``bridge serve``). It checks the aiortc and aioice versions, restricts ICE
host candidates to the configured addresses, asks browsers for Opus in-band FEC, counts
every video encode and decode (which should stay 0) and makes ICE consent tolerate slow
links (RFC 7675: any answer within 30 s). Calling it again changes only the host
addresses, to the ones given.
"""

from __future__ import annotations

from collections.abc import Iterable

from bridge.media.aiortc_private import (
    check_versions,
    restrict_host_addresses,
    tolerate_slow_consent,
)
from bridge.media.codecs import negotiate_opus_fec
from bridge.media.video_tap import count_codec_use


def install(ice_addresses: Iterable[str] | None) -> None:
    """Adapt aiortc and aioice for the bridge; ``ice_addresses`` are the local addresses ICE
    gathers on (``None``: every interface). Raises ``UnsupportedVersion`` before changing
    anything if aiortc or aioice is not the pinned release."""
    check_versions()
    restrict_host_addresses(ice_addresses)
    negotiate_opus_fec()
    count_codec_use()
    tolerate_slow_consent()
