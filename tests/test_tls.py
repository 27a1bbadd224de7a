"""The local CA's rules (which names a certificate carries, when it is issued again) and its
files, checked with real certificates and Python's own TLS verification."""

from __future__ import annotations

import asyncio
import datetime as dt
import ssl
import stat
from pathlib import Path

import pytest
from cryptography import x509

from bridge import tls
from bridge.settings import load_settings

NOW = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)


def names(*items: str) -> tls.ServedNames:
    return tls.served_names("0.0.0.0", None, "", items)


def test_a_wildcard_host_names_every_interface_address_but_link_local_and_unspecified() -> None:
    served = tls.served_names(
        "0.0.0.0",
        "https://cau.example.gov.vn/",
        "hoitruong",
        ["127.0.0.1", "10.1.2.3", "fe80::1%eth0", "2001:db8::5", "0.0.0.0"],
    )
    assert served.ips == {"127.0.0.1", "10.1.2.3", "2001:db8::5"}
    assert served.dns == {"localhost", "hoitruong", "cau.example.gov.vn"}


def test_a_named_host_is_named_and_interfaces_are_not_listed() -> None:
    served = tls.served_names("10.9.0.1", None, "Bridge.LAN.", ["192.168.7.7"])
    assert served.ips == {"127.0.0.1", "10.9.0.1"}
    assert served.dns == {"localhost", "bridge.lan"}
    assert tls.served_names("cau.local", None, "", []).dns == {"localhost", "cau.local"}
    assert "::1" in tls.served_names("[::1]", None, "", []).ips


def test_the_server_certificate_is_kept_until_names_change_or_expiry_nears(tmp_path: Path) -> None:
    first = tls.ensure_server_cert(tmp_path, names("10.0.0.1"), NOW)
    assert first.issued and first.ca == tmp_path / "ca.pem"
    again = tls.ensure_server_cert(tmp_path, names("10.0.0.1"), NOW + dt.timedelta(days=1))
    assert not again.issued
    moved = tls.ensure_server_cert(tmp_path, names("10.0.0.2"), NOW + dt.timedelta(days=2))
    assert moved.issued
    assert tls.cert_names(tls.load_cert(moved.cert)).ips == {"127.0.0.1", "10.0.0.2"}
    ca = tls.load_cert(tmp_path / "ca.pem")
    cert = tls.load_cert(moved.cert)
    late = cert.not_valid_after_utc - dt.timedelta(days=29)
    assert tls.needs_reissue(cert, ca, names("10.0.0.2"), late) == "near expiry"
    assert tls.needs_reissue(cert, ca, names("10.0.0.2"), late - dt.timedelta(days=2)) is None
    # A smaller set of names is still served by the same certificate.
    assert tls.needs_reissue(cert, ca, names(), NOW + dt.timedelta(days=3)) is None
    other_ca, _ = tls.make_ca("another", NOW)
    assert tls.needs_reissue(cert, other_ca, names("10.0.0.2"), NOW) == "issued by another CA"
    # The CA itself is made once and kept.
    assert tls.load_cert(tmp_path / "ca.pem") == tls.load_cert(first.ca)


def test_keys_are_readable_by_their_owner_only(tmp_path: Path) -> None:
    tls.ensure_server_cert(tmp_path / "tls", names(), NOW)
    for key in ("ca.key", "server.key"):
        assert stat.S_IMODE((tmp_path / "tls" / key).stat().st_mode) == 0o600, key
    assert stat.S_IMODE((tmp_path / "tls").stat().st_mode) & 0o077 == 0


def test_the_ca_is_a_ca_and_the_leaf_a_server_certificate(tmp_path: Path) -> None:
    files = tls.ensure_server_cert(tmp_path, names("10.0.0.1"))
    ca = tls.load_cert(tmp_path / "ca.pem")
    leaf = tls.load_cert(files.cert)
    assert ca.extensions.get_extension_for_class(x509.BasicConstraints).value.ca is True
    assert leaf.extensions.get_extension_for_class(x509.BasicConstraints).value.ca is False
    usage = leaf.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert x509.oid.ExtendedKeyUsageOID.SERVER_AUTH in usage
    assert leaf.not_valid_after_utc - leaf.not_valid_before_utc <= dt.timedelta(days=398)
    assert len(tls.spki_sha256(leaf)) == 44 and tls.fingerprint(ca).count(":") == 31


async def _handshake(files: tls.TlsFiles, client: ssl.SSLContext, name: str) -> str | None:
    """A real TLS handshake over loopback; the negotiated version."""
    server = await asyncio.start_server(
        lambda r, w: w.close(), "127.0.0.1", 0, ssl=tls.server_context(files)
    )
    port = server.sockets[0].getsockname()[1]
    try:
        _, writer = await asyncio.open_connection(
            "127.0.0.1", port, ssl=client, server_hostname=name
        )
        version = writer.get_extra_info("ssl_object").version()
        writer.close()
        return str(version)
    finally:
        server.close()
        await server.wait_closed()


async def test_python_verifies_the_chain_from_the_ca_file_for_each_served_name(
    tmp_path: Path,
) -> None:
    files = tls.ensure_server_cert(tmp_path, tls.served_names("127.0.0.1", None, "hall", []))
    client = ssl.create_default_context(cafile=str(files.ca))
    assert await _handshake(files, client, "127.0.0.1") in ("TLSv1.2", "TLSv1.3")
    assert await _handshake(files, client, "localhost")
    with pytest.raises(ssl.SSLCertVerificationError):
        await _handshake(files, client, "elsewhere.example")
    stranger = ssl.create_default_context()  # the system's CAs only
    with pytest.raises(ssl.SSLCertVerificationError):
        await _handshake(files, stranger, "127.0.0.1")


@pytest.mark.filterwarnings("ignore:ssl.TLSVersion.TLSv1_1 is deprecated")
async def test_tls_older_than_1_2_is_refused(tmp_path: Path) -> None:
    files = tls.ensure_server_cert(tmp_path, names())
    assert tls.server_context(files).minimum_version == ssl.TLSVersion.TLSv1_2
    old = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    old.load_verify_locations(str(files.ca))
    old.minimum_version = ssl.TLSVersion.MINIMUM_SUPPORTED
    old.maximum_version = ssl.TLSVersion.TLSv1_1
    with pytest.raises((ssl.SSLError, ConnectionError)):
        await _handshake(files, old, "127.0.0.1")
    tls12 = ssl.create_default_context(cafile=str(files.ca))
    tls12.maximum_version = ssl.TLSVersion.TLSv1_2
    assert await _handshake(files, tls12, "127.0.0.1") == "TLSv1.2"


def test_tls_is_on_beyond_loopback_and_links_follow(monkeypatch: pytest.MonkeyPatch) -> None:
    assert load_settings().tls_enabled is False
    assert load_settings().base_url == "http://127.0.0.1:8080"
    beyond = load_settings(host="10.0.0.5")
    assert beyond.tls_enabled and beyond.base_url == "https://10.0.0.5:8080"
    assert load_settings(host="10.0.0.5", tls="off").base_url == "http://10.0.0.5:8080"
    assert load_settings(tls="on", port=443).base_url == "https://127.0.0.1"
    assert load_settings(tls_cert=Path("c.pem")).tls_enabled
    proxied = load_settings(public_url="https://cau.example.gov.vn/")
    assert not proxied.tls_enabled and proxied.base_url == "https://cau.example.gov.vn"
    monkeypatch.setattr(tls, "primary_address", lambda: "10.7.7.7")
    assert load_settings(host="0.0.0.0").base_url == "https://10.7.7.7:8080"


def test_the_database_does_not_depend_on_the_current_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    here = load_settings().database
    monkeypatch.chdir(tmp_path)
    assert load_settings().database == here and here.is_absolute()
    monkeypatch.setenv("BRIDGE_DATA_DIR", str(tmp_path / "data"))
    assert load_settings().database == tmp_path / "data" / "bridge.sqlite3"
    assert tls.tls_dir(load_settings().database) == tmp_path / "data" / "tls"


def test_the_http_redirect_keeps_the_path_and_trusts_only_a_plain_host_name() -> None:
    from bridge.server import HttpsRedirect

    direct = HttpsRedirect("0.0.0.0", 80, 8443, None)
    assert direct.location("/site/1?raw=1", "10.0.0.5") == "https://10.0.0.5:8443/site/1?raw=1"
    assert direct.location("/", "cau.local:80") == "https://cau.local:8443/"
    assert direct.location("/", "[2001:db8::1]:80") == "https://[2001:db8::1]:8443/"
    # A forged Host (a second URL, a header split) falls back to a name of our own.
    assert direct.location("/", "evil.example/x@y") == "https://localhost:8443/"
    assert direct.location("/", None) == "https://localhost:8443/"
    standard = HttpsRedirect("10.0.0.5", 80, 443, None)
    assert standard.location("/console", "") == "https://10.0.0.5/console"
    public = HttpsRedirect("0.0.0.0", 80, 8443, "https://cau.example.gov.vn/")
    assert public.location("/site/2", "10.0.0.5") == "https://cau.example.gov.vn/site/2"


async def test_the_redirect_listener_answers_308_and_400_for_garbage() -> None:
    from bridge.server import HttpsRedirect

    redirect = HttpsRedirect("127.0.0.1", 0, 8443, None)
    server = await asyncio.start_server(redirect.handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]

    async def ask(request: bytes) -> bytes:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(request)
        await writer.drain()
        reply = await asyncio.wait_for(reader.read(), 5)
        writer.close()
        return reply

    try:
        good = await ask(b"GET /site/1 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        assert good.startswith(b"HTTP/1.1 308 ")
        assert b"\r\nLocation: https://127.0.0.1:8443/site/1\r\n" in good
        assert (await ask(b"\x16\x03\x01 not http\r\n\r\n")).startswith(b"HTTP/1.1 400 ")
    finally:
        server.close()
        await server.wait_closed()
