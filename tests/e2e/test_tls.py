"""`bridge serve` beyond loopback serves HTTPS by itself, from its own local CA.

The bridge listens on its end of a veth pair (tests/web/netns.py): an address that is not
loopback, so the default TLS mode (``auto``) turns HTTPS on. What is checked is what a
client meets: the printed links, a chain Python verifies from the printed CA file, TLS 1.2
at least, HSTS, the redirect from plain HTTP, and two headless halls that join over
``wss://`` and hear each other.
"""

from __future__ import annotations

import asyncio
import json
import socket
import ssl
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from bridge import tls
from endpoints.audio import ToneTrack
from endpoints.session import SiteClient
from tests.audio_analysis import tone_level_db
from tests.conftest import RunningBridge, free_port, start_bridge
from tests.e2e.test_audio import AMPLITUDE, SENT_DB
from tests.web import netns

SUBNET = "10.203.4"  # the pair's /30: .1 the bridge's end


@pytest.fixture
def site_net() -> Iterator[netns.SiteNetwork]:
    with netns.site_network_or_skip(SUBNET) as net:
        yield net


@pytest.fixture
def bridge_ice(site_net: netns.SiteNetwork) -> Iterator[None]:
    """The headless halls' ICE on the bridge's end of the pair (a process-wide choice)."""
    with netns.ice_on_bridge_end(site_net):
        yield


def settings_file(tmp_path: Path, address: str) -> str:
    path = tmp_path / "settings.json"
    path.write_text(json.dumps({"ice_addresses": [address]}))
    return str(path)


def handshake(address: str, port: int, context: ssl.SSLContext) -> str:
    with (
        socket.create_connection((address, port), timeout=5) as raw,
        context.wrap_socket(raw, server_hostname=address) as wrapped,
    ):
        return str(wrapped.version())


async def test_a_bridge_beyond_loopback_serves_https_from_its_own_ca(
    tmp_path: Path,
    site_net: netns.SiteNetwork,
    bridge_ice: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    address = site_net.host_address
    redirect_port = free_port()
    config = settings_file(tmp_path, address)
    running: RunningBridge = start_bridge(
        tmp_path / "var" / "bridge.sqlite3",
        None,
        "--config",
        config,
        "--http-redirect-port",
        str(redirect_port),
        host=address,
        tls="auto",
    )
    try:
        text = "\n".join(running.output)
        base = f"https://{address}:{running.port}"
        assert f"{base}/console" in text
        assert running.links and all(
            u.startswith(f"{base}/site/1#token=") for u in running.links.values()
        )
        ca = tls.load_cert(running.ca)
        assert str(running.ca) in text and tls.fingerprint(ca) in text
        assert "bridge kit" in text

        # The chain verifies from the CA file alone, for the address served.
        verified = ssl.create_default_context(cafile=str(running.ca))
        assert handshake(address, running.port, verified) in ("TLSv1.2", "TLSv1.3")
        with pytest.raises(ssl.SSLCertVerificationError):
            handshake(address, running.port, ssl.create_default_context())
        tls12 = ssl.create_default_context(cafile=str(running.ca))
        tls12.maximum_version = ssl.TLSVersion.TLSv1_2
        assert handshake(address, running.port, tls12) == "TLSv1.2"

        page = httpx.get(f"{base}/site/1", verify=verified)
        assert page.status_code == 200
        assert page.headers["strict-transport-security"] == tls.HSTS
        # Plain HTTP on the TLS port gets nothing usable; the redirect port sends it over.
        with pytest.raises(httpx.HTTPError):
            httpx.get(f"http://{address}:{running.port}/healthz", timeout=3)
        moved = httpx.get(f"http://{address}:{redirect_port}/site/1?raw=1", timeout=3)
        assert moved.status_code == 308
        assert moved.headers["location"] == f"{base}/site/1?raw=1"
        assert httpx.get(moved.headers["location"], verify=verified).status_code == 200

        # Two halls join over wss:// (trusting the CA as a hall PC with the kit does) and
        # hear each other.
        monkeypatch.setenv("SSL_CERT_FILE", str(running.ca))
        names = ("Điểm cầu tỉnh Lào Cai", "Điểm cầu tỉnh Quảng Trị")
        halls = [SiteClient(running.links[n], record_seconds=10, restrict_ice=False) for n in names]
        try:
            for hall in halls:
                await hall.join()
            assert halls[0].link.ws_url.startswith("wss://")
            await asyncio.gather(
                halls[0].start_media(ToneTrack(440, AMPLITUDE)),
                halls[1].start_media(ToneTrack(660, AMPLITUDE)),
            )
            await asyncio.sleep(1.0)
            heard = await halls[1].wait_audio(2.0, timeout=15)
            level = tone_level_db(heard, 440)
            assert abs(level - SENT_DB) <= 6, f"440 Hz over the TLS-signalled call: {level:.1f} dB"
        finally:
            for hall in halls:
                await hall.close()
    finally:
        assert running.stop() == 0
    first_leaf = tls.load_cert(running.database.parent / "tls" / "server.pem")

    # Served on another address: a new certificate naming it, from the same CA.
    again = start_bridge(running.database, None, host="127.0.0.1", tls="on")
    try:
        leaf = tls.load_cert(running.database.parent / "tls" / "server.pem")
        assert leaf.issuer == ca.subject and tls.load_cert(again.ca) == ca
        assert leaf == first_leaf  # loopback was named already: nothing to issue
        assert httpx.get(f"{again.url}/healthz", verify=again.verify).json() == {"ok": True}
    finally:
        assert again.stop() == 0


def test_the_operators_own_certificate_is_served(tmp_path: Path) -> None:
    own = tmp_path / "own"
    files = tls.ensure_server_cert(own, tls.served_names("127.0.0.1", None, "", []))
    running = start_bridge(
        tmp_path / "bridge.sqlite3",
        None,
        "--tls-cert",
        str(files.cert),
        "--tls-key",
        str(files.key),
        tls="auto",
    )
    try:
        assert running.scheme == "https"  # a certificate given: HTTPS, even on loopback
        context = ssl.create_default_context(cafile=str(own / "ca.pem"))
        reply = httpx.get(f"{running.url}/healthz", verify=context)
        assert reply.json() == {"ok": True} and "strict-transport-security" in reply.headers
        assert "bridge kit" not in "\n".join(running.output)  # no local CA to install
        assert not (tmp_path / "tls").exists()
        assert all(u.startswith("https://") for u in running.links.values())
    finally:
        assert running.stop() == 0
