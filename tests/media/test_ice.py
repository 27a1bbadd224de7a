import asyncio
import socket
import time

import aioice.ice
from aiortc import RTCIceTransportPolicy, RTCPeerConnection

from bridge.media.ice import restrict_host_addresses, rtc_configuration, turn_allocation_error


def test_restriction_lists_exactly_the_given_addresses_loopback_included():
    try:
        restrict_host_addresses(["127.0.0.1", "::1"])
        assert aioice.ice.get_host_addresses(use_ipv4=True, use_ipv6=False) == ["127.0.0.1"]
        assert aioice.ice.get_host_addresses(use_ipv4=True, use_ipv6=True) == ["127.0.0.1", "::1"]
    finally:
        restrict_host_addresses(None)


def test_no_ice_servers_means_none_at_all_not_a_public_default():
    assert rtc_configuration([]).iceServers == []
    [server] = rtc_configuration(
        [{"urls": "turn:127.0.0.1:3478", "username": "u", "credential": "p"}]
    ).iceServers
    assert server.urls == "turn:127.0.0.1:3478" and server.username == "u"


async def test_a_peer_gathers_only_loopback_host_candidates():
    restrict_host_addresses(["127.0.0.1"])
    try:
        pc = RTCPeerConnection(rtc_configuration([]))
        pc.addTransceiver("audio")
        await asyncio.wait_for(pc.setLocalDescription(await pc.createOffer()), 10)
        lines = [ln for ln in pc.localDescription.sdp.splitlines() if ln.startswith("a=candidate")]
        assert lines and all(" 127.0.0.1 " in ln and "typ host" in ln for ln in lines)
        await pc.close()
    finally:
        restrict_host_addresses(None)


def test_relay_only_sets_the_relay_transport_policy():
    assert rtc_configuration([], relay_only=True).iceTransportPolicy == RTCIceTransportPolicy.RELAY
    assert rtc_configuration([]).iceTransportPolicy == RTCIceTransportPolicy.ALL


async def test_a_missing_or_unreachable_turn_server_is_named_within_the_timeout():
    assert "no usable TURN server" in (await turn_allocation_error([], 1.0) or "")
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))  # bound and never read: a server that does not answer
        port = s.getsockname()[1]
        server = {"urls": f"turn:127.0.0.1:{port}", "username": "u", "credential": "p"}
        started = time.monotonic()
        reason = await turn_allocation_error([server], 1.0)
    assert reason == f"TURN server 127.0.0.1:{port} did not answer within 1 s"
    assert time.monotonic() - started < 3


def test_the_bridge_keeps_stun_servers_for_itself_and_leaves_turn_to_the_sites():
    from bridge.media.ice import bridge_ice_servers

    servers = [
        {"urls": "stun:10.0.0.1:3478"},
        {"urls": "turn:10.0.0.1:3478", "username": "u", "credential": "p"},
        {"urls": ["turn:10.0.0.2:3478", "stun:10.0.0.2:3478"], "username": "u", "credential": "p"},
    ]
    assert bridge_ice_servers(servers) == [
        {"urls": "stun:10.0.0.1:3478"},
        {"urls": "stun:10.0.0.2:3478"},
    ]
