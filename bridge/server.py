"""``bridge serve``: open the store, seed the demo, print the links, run uvicorn."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import socket
import ssl
import sys
from datetime import timedelta

import uvicorn

from bridge import tls
from bridge.demo import ensure_demo
from bridge.media.aiortc_private import UnsupportedVersion
from bridge.media.startup import install
from bridge.settings import Settings, is_loopback
from bridge.signaling.app import create_app
from bridge.store import Store
from bridge.use_cases import issue_join_links

log = logging.getLogger(__name__)

# The WebSocket layer's own ceiling; the app answers frames over 64 KiB with a structured
# error below this, and only a frame past 1 MiB closes the connection (code 1009).
WS_MAX_SIZE = 1024 * 1024
# Every WebSocket is pinged this often and dropped when no pong comes back in time, so a
# site whose network is cut is seen gone (console: offline) within 10-15 s, not the ~30 s
# its media's ICE consent takes. Browsers answer pings by themselves; 10 s leaves room
# for a congested hall uplink.
WS_PING_INTERVAL_S = 5.0
WS_PING_TIMEOUT_S = 10.0


# Libraries that log a line per ICE check, per request or per migration: heard only at
# ``--log-level debug``.
NOISY_LOGGERS = ("aioice", "aiortc", "alembic", "uvicorn.access", "uvicorn.error", "websockets")


def configure_logging(level: str) -> None:
    ours = logging.getLevelName(level.upper())
    logging.basicConfig(level=ours, format="%(levelname)s %(name)s: %(message)s", force=True)
    for name in NOISY_LOGGERS:
        logging.getLogger(name).setLevel(
            logging.DEBUG if ours == logging.DEBUG else max(ours, logging.WARNING)
        )


class TlsConfig(uvicorn.Config):
    """uvicorn's configuration with the bridge's own TLS context (TLS 1.2 or later, modern
    suites) in place of the one uvicorn builds from the same files."""

    def __init__(self, app: object, *, tls_files: tls.TlsFiles | None, **kwargs: object) -> None:
        if tls_files is not None:
            kwargs.update(ssl_certfile=str(tls_files.cert), ssl_keyfile=str(tls_files.key))
            kwargs.update(ssl_ciphers=tls.CIPHERS)
        super().__init__(app, **kwargs)  # type: ignore[arg-type]
        self.tls_files = tls_files

    def load(self) -> None:
        super().load()
        if self.tls_files is not None:
            self.ssl = tls.server_context(self.tls_files)


class BridgeServer(uvicorn.Server):
    """uvicorn's server, plus an optional plain-HTTP listener that only redirects to HTTPS
    (a hall that typed ``http://`` lands on the secure page, the fragment kept by the
    browser)."""

    def __init__(self, config: uvicorn.Config, redirect: HttpsRedirect | None = None) -> None:
        super().__init__(config)
        self.redirect = redirect
        self._redirect_server: asyncio.base_events.Server | None = None

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        if self.started and self.redirect is not None:
            try:
                self._redirect_server = await asyncio.start_server(
                    self.redirect.handle, self.redirect.host, self.redirect.port
                )
            except OSError as exc:
                log.error(
                    "cannot listen for http redirects on port %s: %s", self.redirect.port, exc
                )

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        if self._redirect_server is not None:
            self._redirect_server.close()
        # uvicorn closes every WebSocket (1012) before the app's own shutdown runs: freeze the
        # saved live state first, or every hall's hand would be lowered by its "leave".
        sessions = getattr(getattr(self.config.app, "state", None), "sessions", None)
        if sessions is not None:
            await sessions.stopping()
        await super().shutdown(sockets)


_HOST_HEADER = re.compile(r"^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+)(:\d+)?$")
_REQUEST_LINE = re.compile(rb"^[A-Z]{3,10} (/[^ \r\n]*) HTTP/1\.[01]\r?\n$")


class HttpsRedirect:
    """A minimal HTTP/1.1 responder: every request gets ``308`` to the same path on the
    HTTPS address (the public URL when set, else the host the client asked for)."""

    def __init__(self, host: str, port: int, https_port: int, public_url: str | None) -> None:
        self.host, self.port, self.https_port, self.public_url = host, port, https_port, public_url

    def location(self, path: str, host_header: str | None) -> str:
        if self.public_url:
            return self.public_url.rstrip("/") + path
        match = _HOST_HEADER.match(host_header or "")
        name = (
            match.group(1)
            if match
            else (self.host if self.host not in tls.WILDCARD_HOSTS else "localhost")
        )
        if ":" in name and not name.startswith("["):
            name = f"[{name}]"
        port = "" if self.https_port == 443 else f":{self.https_port}"
        return f"https://{name}{port}{path}"

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            async with asyncio.timeout(5):
                match = _REQUEST_LINE.match(await reader.readline())
                host = None
                for _ in range(100):  # bounded: a header flood only ends the connection
                    line = await reader.readline()
                    if line in (b"\r\n", b"\n", b""):
                        break
                    name, _, value = line.decode("latin-1").partition(":")
                    if name.strip().lower() == "host":
                        host = value.strip()
            if match is None:
                writer.write(
                    b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                )
            else:
                target = self.location(match.group(1).decode("latin-1"), host)
                body = f"{target}\n".encode()
                writer.write(
                    b"HTTP/1.1 308 Permanent Redirect\r\n"
                    + f"Location: {target}\r\n".encode()
                    + b"Content-Type: text/plain; charset=utf-8\r\n"
                    + f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode()
                    + body
                )
            await writer.drain()
        except (TimeoutError, OSError, ValueError):
            pass
        finally:
            writer.close()


def serve(settings: Settings, demo: bool = True) -> int:
    configure_logging(settings.log_level)
    try:
        store = Store(settings.database)
    except Exception as exc:
        print(
            f"bridge: error: cannot open the database {settings.database}: {exc}", file=sys.stderr
        )
        return 1
    try:
        install(settings.effective_ice_addresses())
    except UnsupportedVersion as exc:
        store.close()
        print(f"bridge: error: {exc}", file=sys.stderr)
        return 1
    tls_files = None
    if settings.tls_enabled:
        try:
            tls_files = tls.prepare(
                settings.host,
                settings.public_url,
                settings.database,
                settings.tls_cert,
                settings.tls_key,
            )
            tls.server_context(tls_files)  # a missing file or a key that does not match: now
        except (OSError, ValueError, ssl.SSLError) as exc:
            store.close()
            where = settings.tls_cert or tls.tls_dir(settings.database)
            print(f"bridge: error: cannot use the TLS certificate {where}: {exc}", file=sys.stderr)
            return 1
    redirect = None
    if settings.http_redirect_port is not None and tls_files is not None:
        redirect = HttpsRedirect(
            settings.host, settings.http_redirect_port, settings.port, settings.public_url
        )
    try:
        if demo:
            _print_demo(store, settings)
        _print_tls(settings, tls_files)
        app = create_app(settings, store)
        config = TlsConfig(
            app,
            tls_files=tls_files,
            host=settings.host,
            port=settings.port,
            loop="uvloop",
            ws="websockets-sansio",
            ws_max_size=WS_MAX_SIZE,
            ws_ping_interval=WS_PING_INTERVAL_S,
            ws_ping_timeout=WS_PING_TIMEOUT_S,
            log_level="debug" if settings.log_level == "debug" else "warning",
            access_log=settings.log_level == "debug",
            log_config=None,  # ours (configure_logging), not uvicorn's own handlers
            lifespan="on",
        )
        server = BridgeServer(config, redirect)
        # uvicorn shuts down gracefully, then re-raises the captured Ctrl-C: the stop was
        # clean, so no traceback and exit status 0.
        with contextlib.suppress(KeyboardInterrupt):
            server.run()
        return 0 if server.started else 1
    finally:
        store.close()


def _print_demo(store: Store, settings: Settings) -> None:
    seed = ensure_demo(store)
    base = settings.base_url
    lines = ["", "  Bridge — cầu truyền hình trực tuyến", ""]
    lines.append(f"  Operator console / Bàn điều khiển:  {base}/console")
    lines.append(f"  Office (bookings, notices) / Văn phòng:  {base}/office")
    if seed is None:
        lines.append("  (the demo session has been closed)")
    else:
        if seed.password:
            lines.append(
                f"  Operator / Tài khoản:  {seed.operator}   password / mật khẩu:  {seed.password}"
            )
        else:
            lines.append(
                f"  Operator / Tài khoản:  {seed.operator}   (password printed at first start; "
                f"reset: bridge operator set-password {seed.operator})"
            )
        lines.append("")
        lines.append(f"  Demo session {seed.session_id} — join links / đường dẫn tham gia:")
        links = issue_join_links(
            store, seed.session_id, timedelta(hours=settings.join_token_hours), base
        )
        for link in links:
            lines.append(f"    {link['site_name']}:  {link['url']}")
    lines.append("")
    print("\n".join(lines), flush=True)


def _print_tls(settings: Settings, files: tls.TlsFiles | None) -> None:
    """How halls get a trusted page: where the CA is and how to install it, or why plain
    HTTP will not give them a microphone."""
    lines = []
    if files is None:
        if not settings.public_url and not is_loopback(settings.host):
            lines += [
                "  ! Plain HTTP beyond loopback: browsers on other PCs will not give the page",
                "    a microphone or camera. Serve HTTPS (--tls auto) or a reverse proxy",
                "    (docs/deployment.md).",
                "  ! HTTP thường ngoài máy này: trình duyệt ở máy khác sẽ không cho trang dùng",
                "    micrô, camera. Hãy dùng HTTPS (--tls auto) hoặc reverse proxy.",
            ]
    elif files.ca is not None:
        ca = tls.load_cert(files.ca)
        served = tls.cert_names(tls.load_cert(files.cert))
        lines += [
            f"  HTTPS: certificate from the bridge's local CA for {served.display}",
            f"  CA / Chứng chỉ gốc:  {files.ca}",
            f"    SHA-256 {tls.fingerprint(ca)}",
            "  Install it once on every hall PC / Cài một lần trên mỗi máy hội trường:",
            "    bridge kit   (writes CA + instructions / hướng dẫn, vi + en)",
            "    Windows (admin): certutil -addstore -f Root ca.crt",
            "    Debian/Ubuntu: update-ca-certificates (see the kit); Chromium:",
            '      certutil -d sql:$HOME/.pki/nssdb -A -t "C,," -n Bridge -i ca.crt',
        ]
    else:
        lines.append(f"  HTTPS: certificate {files.cert}")
    if lines:
        print("\n".join([*lines, ""]), flush=True)
