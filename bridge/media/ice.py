"""ICE configuration: which servers and which local addresses a peer connection may use.

aioice gathers host candidates from every interface except loopback, and aiortc falls back
to a public STUN server when given no ICE servers. A self-hosted bridge needs the opposite
defaults: no server it did not configure, and a choice of local addresses (a server with a
private and a public interface; loopback for tests). aioice offers no parameter for the
latter, so the one module-level function it calls is replaced here, and nowhere else.
The replacement is tested directly (tests/media/test_ice.py) because aioice is pinned.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import aioice.ice
from aiortc import RTCConfiguration, RTCIceServer

_original_get_host_addresses = aioice.ice.get_host_addresses
_allowed: tuple[str, ...] | None = None


def _restricted_host_addresses(use_ipv4: bool, use_ipv6: bool) -> list[str]:
    if _allowed is None:
        return _original_get_host_addresses(use_ipv4=use_ipv4, use_ipv6=use_ipv6)
    return [a for a in _allowed if (":" in a and use_ipv6) or (":" not in a and use_ipv4)]


def restrict_host_addresses(addresses: Iterable[str] | None) -> None:
    """Gather host candidates only on ``addresses`` (``None``: every interface, as aioice).

    Unlike aioice, a loopback address may be listed; it is how peers on one machine meet.
    The setting is process-wide, as aioice's gathering is.
    """
    global _allowed
    _allowed = None if addresses is None else tuple(addresses)
    aioice.ice.get_host_addresses = _restricted_host_addresses


def rtc_configuration(servers: Sequence[dict[str, str]]) -> RTCConfiguration:
    """An RTCConfiguration with exactly ``servers`` (an empty list means none at all).

    Each server is ``{"urls": ..., "username": ..., "credential": ...}`` as in the browser API.
    """
    return RTCConfiguration(
        iceServers=[
            RTCIceServer(urls=s["urls"], username=s.get("username"), credential=s.get("credential"))
            for s in servers
        ]
    )
