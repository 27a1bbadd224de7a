"""HTTPS for a bridge that halls reach over the network.

Browsers give a page the microphone and camera only in a secure context, so a bridge
served beyond loopback must speak TLS. The operator may supply a certificate (``tls_cert``,
``tls_key``); otherwise the bridge keeps its own small certificate authority under the
data directory (``<database dir>/tls/``) and issues itself a server certificate naming
every host name and address it serves. Installing that CA once on each hall PC (the hall
PC kit, ``bridge kit``) makes the pages trusted.

The rules (which names, when to re-issue) are pure functions; the files and the
``ssl.SSLContext`` are the thin shell around them.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import ipaddress
import os
import socket
import ssl
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

CA_CERT = "ca.pem"
CA_KEY = "ca.key"
SERVER_CERT = "server.pem"
SERVER_KEY = "server.key"
CA_DAYS = 3650
# Browsers refuse publicly trusted leaves valid for more than 398 days; a local CA's leaf
# need not obey, but staying under it keeps the certificate acceptable everywhere.
SERVER_DAYS = 397
RENEW_BEFORE = dt.timedelta(days=30)
# TLS 1.2 suites with forward secrecy and AEAD only (TLS 1.3's are fixed by OpenSSL and
# all modern). The same list as Mozilla's "intermediate" profile, for TLS 1.2.
CIPHERS = "ECDHE+AESGCM:ECDHE+CHACHA20:DHE+AESGCM:DHE+CHACHA20:!aNULL:!MD5:!DSS"
HSTS = "max-age=31536000"
WILDCARD_HOSTS = ("0.0.0.0", "::", "")


@dataclass(frozen=True)
class ServedNames:
    """The DNS names and IP addresses a server certificate must name."""

    dns: frozenset[str]
    ips: frozenset[str]

    @property
    def display(self) -> str:
        return ", ".join(sorted(self.dns) + sorted(self.ips, key=_ip_sort_key))


@dataclass(frozen=True)
class TlsFiles:
    """What uvicorn serves: a certificate chain and its key; ``ca`` is the local CA's
    certificate when the bridge issued the server certificate itself, else ``None``."""

    cert: Path
    key: Path
    ca: Path | None
    issued: bool = False  # True when this start wrote a new server certificate


def _ip_sort_key(text: str) -> tuple[int, int]:
    address = ipaddress.ip_address(text)
    return (address.version, int(address))


# ---- the rules ---------------------------------------------------------------------------


def served_names(
    host: str,
    public_url: str | None,
    hostname: str,
    interface_addresses: Iterable[str],
) -> ServedNames:
    """The names a client may use to reach a bridge listening on ``host``.

    A wildcard host is reachable at every interface address; any host by its configured
    name, the machine's host name and the public URL's host; loopback is always named (a
    browser on the server itself).
    """
    dns: set[str] = {"localhost"}
    ips: set[str] = {"127.0.0.1"}

    def add(name: str) -> None:
        name = name.strip().strip("[]").rstrip(".").lower()
        if not name:
            return
        try:
            address = ipaddress.ip_address(name.split("%", 1)[0])
        except ValueError:
            dns.add(name)
            return
        if not address.is_unspecified and not address.is_link_local:
            ips.add(str(address))

    if host in WILDCARD_HOSTS:
        for address in interface_addresses:
            add(address)
    else:
        add(host)
    if hostname:
        add(hostname)
    if public_url:
        add(urlsplit(public_url).hostname or "")
    return ServedNames(frozenset(dns), frozenset(ips))


def cert_names(cert: x509.Certificate) -> ServedNames:
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return ServedNames(frozenset(), frozenset())
    return ServedNames(
        frozenset(n.lower() for n in san.get_values_for_type(x509.DNSName)),
        frozenset(str(a) for a in san.get_values_for_type(x509.IPAddress)),
    )


def needs_reissue(
    cert: x509.Certificate, ca: x509.Certificate, names: ServedNames, now: dt.datetime
) -> str | None:
    """Why the server certificate must be issued again (``None``: it is still good)."""
    if cert.issuer != ca.subject:
        return "issued by another CA"
    if now >= cert.not_valid_after_utc - RENEW_BEFORE:
        return "near expiry"
    if now < cert.not_valid_before_utc:
        return "not yet valid"
    have = cert_names(cert)
    if not (names.dns <= have.dns and names.ips <= have.ips):
        return "names changed"
    return None


# ---- certificates ------------------------------------------------------------------------


def _new_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def make_ca(
    common_name: str, now: dt.datetime
) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    key = _new_key()
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Bridge"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=CA_DAYS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(signs_certificates=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return cert, key


def _key_usage(*, signs_certificates: bool) -> x509.KeyUsage:
    """ECDSA signatures only; a CA also signs certificates and revocation lists."""
    return x509.KeyUsage(
        digital_signature=True,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=signs_certificates,
        crl_sign=signs_certificates,
        encipher_only=False,
        decipher_only=False,
    )


def make_server_cert(
    ca: x509.Certificate,
    ca_key: ec.EllipticCurvePrivateKey,
    names: ServedNames,
    now: dt.datetime,
) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    key = _new_key()
    sans: list[x509.GeneralName] = [x509.DNSName(n) for n in sorted(names.dns)]
    sans += [x509.IPAddress(ipaddress.ip_address(a)) for a in sorted(names.ips, key=_ip_sort_key)]
    first = sorted(names.dns - {"localhost"}) or sorted(names.dns) or ["bridge"]
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, first[0])]))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=SERVER_DAYS))
        .add_extension(x509.SubjectAlternativeName(sans), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(signs_certificates=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    return cert, key


def spki_sha256(cert: x509.Certificate) -> str:
    """Base64 SHA-256 of the certificate's public key (Chromium's SPKI pin format)."""
    der = cert.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return base64.b64encode(hashlib.sha256(der).digest()).decode()


def fingerprint(cert: x509.Certificate) -> str:
    """SHA-256 fingerprint as Windows and browsers show it (AA:BB:…)."""
    return cert.fingerprint(hashes.SHA256()).hex(":").upper()


# ---- files -------------------------------------------------------------------------------


def _write_private(path: Path, data: bytes) -> None:
    """A key file readable by its owner only, from the moment it exists."""
    tmp = path.with_suffix(path.suffix + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(data)
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)


def _write_public(path: Path, data: bytes) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _cert_pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def load_cert(path: Path) -> x509.Certificate:
    return x509.load_pem_x509_certificate(path.read_bytes())


def ensure_ca(directory: Path, now: dt.datetime | None = None) -> Path:
    """The local CA's certificate file, created (with its 0600 key) on first use."""
    now = now or dt.datetime.now(dt.UTC)
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    cert_path, key_path = directory / CA_CERT, directory / CA_KEY
    if cert_path.exists() and key_path.exists():
        return cert_path
    cert, key = make_ca(f"Bridge local CA ({socket.gethostname() or 'bridge'})", now)
    _write_private(key_path, _key_pem(key))
    _write_public(cert_path, _cert_pem(cert))
    return cert_path


def ensure_server_cert(
    directory: Path, names: ServedNames, now: dt.datetime | None = None
) -> TlsFiles:
    """A server certificate from the local CA for ``names``, issued again when the names
    or addresses served change or it comes within 30 days of its end."""
    now = now or dt.datetime.now(dt.UTC)
    ca_path = ensure_ca(directory, now)
    ca = load_cert(ca_path)
    cert_path, key_path = directory / SERVER_CERT, directory / SERVER_KEY
    if cert_path.exists() and key_path.exists():
        try:
            current = load_cert(cert_path)
        except ValueError:
            current = None
        if current is not None and needs_reissue(current, ca, names, now) is None:
            return TlsFiles(cert_path, key_path, ca_path)
    ca_key = serialization.load_pem_private_key((directory / CA_KEY).read_bytes(), None)
    if not isinstance(ca_key, ec.EllipticCurvePrivateKey):
        raise ValueError(f"{directory / CA_KEY}: not an EC key")
    cert, key = make_server_cert(ca, ca_key, names, now)
    _write_private(key_path, _key_pem(key))
    # The chain a browser needs: the leaf, then the CA (harmless when the CA is installed).
    _write_public(cert_path, _cert_pem(cert) + _cert_pem(ca))
    return TlsFiles(cert_path, key_path, ca_path, issued=True)


def interface_addresses() -> list[str]:
    """Every address of this machine's interfaces (no new dependency: ``ifaddr`` comes
    with aioice)."""
    import ifaddr

    found = []
    for adapter in ifaddr.get_adapters():
        for ip in adapter.ips:
            found.append(ip.ip if isinstance(ip.ip, str) else ip.ip[0])
    return found


def primary_address() -> str | None:
    """The first non-loopback, non-link-local IPv4 address (for links when the bridge
    listens on every interface and no public URL is set), else ``None``."""
    for text in interface_addresses():
        try:
            address = ipaddress.ip_address(text.split("%", 1)[0])
        except ValueError:
            continue
        if address.version == 4 and not (address.is_loopback or address.is_link_local):
            return str(address)
    return None


def server_context(files: TlsFiles) -> ssl.SSLContext:
    """TLS 1.2 or later, forward-secret AEAD suites, HTTP/1.1 (uvicorn's h11)."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.set_ciphers(CIPHERS)
    context.options |= ssl.OP_NO_COMPRESSION | ssl.OP_CIPHER_SERVER_PREFERENCE
    context.load_cert_chain(files.cert, files.key)
    context.set_alpn_protocols(["http/1.1"])
    return context


def tls_dir(database: Path) -> Path:
    """The local CA and the server certificate live next to the database."""
    return database.resolve().parent / "tls"


def prepare(
    host: str,
    public_url: str | None,
    database: Path,
    cert: Path | None,
    key: Path | None,
) -> TlsFiles:
    """The files to serve: the operator's own certificate when given, else one from the
    local CA naming everything the bridge serves (issued again when that changes)."""
    if cert is not None:
        return TlsFiles(cert, key or cert, None)
    names = served_names(host, public_url, socket.gethostname(), interface_addresses())
    return ensure_server_cert(tls_dir(database), names)
