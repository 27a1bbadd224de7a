"""ICE configuration: which servers and which local addresses a peer connection may use.

aioice gathers host candidates from every interface except loopback, and aiortc falls back
to a public STUN server when given no ICE servers. A self-hosted bridge needs the opposite
defaults: no server it did not configure, and a choice of local addresses (a server with a
private and a public interface; loopback for tests). aioice offers no parameter for the
latter; ``restrict_host_addresses`` (bridge.media.aiortc_private, where every change to
aioice is made) replaces the one function it calls, tested in tests/media/test_ice.py.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import aioice.turn
from aiortc import RTCConfiguration, RTCIceServer, RTCIceTransportPolicy
from aiortc.rtcicetransport import connection_kwargs

from bridge.media.aiortc_private import restrict_host_addresses

__all__ = [
    "bridge_ice_servers",
    "restrict_host_addresses",
    "rtc_configuration",
    "turn_allocation_error",
]


def rtc_configuration(
    servers: Sequence[dict[str, str]], *, relay_only: bool = False
) -> RTCConfiguration:
    """An RTCConfiguration with exactly ``servers`` (an empty list means none at all).

    Each server is ``{"urls": ..., "username": ..., "credential": ...}`` as in the browser API.
    ``relay_only`` gathers and uses only TURN-relayed candidates (a hall whose firewall lets
    nothing else through; also how tests prove the relay path).
    """
    return RTCConfiguration(
        iceServers=[
            RTCIceServer(urls=s["urls"], username=s.get("username"), credential=s.get("credential"))
            for s in servers
        ],
        iceTransportPolicy=RTCIceTransportPolicy.RELAY if relay_only else RTCIceTransportPolicy.ALL,
    )


def bridge_ice_servers(servers: Sequence[dict[str, str]]) -> list[dict[str, str]]:
    """The servers the bridge's own peers use: the STUN ones only.

    ``ice_servers`` are handed to the sites; a hall behind a strict firewall relays through
    TURN to the bridge's address. The bridge itself is the server the halls reach: relaying
    its side too would cost an allocation per site and, as measured, could send a directly
    reachable site's media through the relay (twice, for a relayed site).
    """
    stun_only: list[dict[str, str]] = []
    for server in servers:
        urls = server["urls"]
        kept = [u for u in ([urls] if isinstance(urls, str) else urls) if u.startswith("stun")]
        if kept:
            stun_only.append({"urls": kept[0] if len(kept) == 1 else kept})  # type: ignore[dict-item]
    return stun_only


async def turn_allocation_error(servers: Sequence[dict[str, str]], timeout: float) -> str | None:
    """Why the TURN server aiortc would use for ``servers`` gives no relayed address, or None.

    aioice drops a failed allocation silently (the peer just has no relay candidate), so
    when one is missing this asks the server once more, the same way, to name the cause:
    a refused credential (401), an unreachable server (no answer within ``timeout``)...
    """
    kwargs = connection_kwargs(rtc_configuration(servers).iceServers or [])
    if "turn_server" not in kwargs:
        return "no usable TURN server is configured (turn: or turns: URL with a credential)"
    host, port = kwargs["turn_server"]
    where = f"TURN server {host}:{port}"
    try:
        async with asyncio.timeout(timeout):
            transport, _ = await aioice.turn.create_turn_endpoint(
                asyncio.DatagramProtocol,
                server_addr=kwargs["turn_server"],
                username=kwargs["turn_username"],
                password=kwargs["turn_password"],
                ssl=kwargs["turn_ssl"],
                transport=kwargs["turn_transport"],
            )
    except TimeoutError:
        return f"{where} did not answer within {timeout:g} s"
    except Exception as exc:  # whatever aioice raises is the reason to report
        return f"{where} failed: {exc or type(exc).__name__}"
    transport.close()
    return None
