"""``bridge serve``: open the store, seed the demo, print the links, run uvicorn."""

from __future__ import annotations

import contextlib
import logging
import sys
from datetime import timedelta

import uvicorn

from bridge.demo import ensure_demo
from bridge.media.aiortc_private import UnsupportedVersion
from bridge.media.startup import install
from bridge.settings import Settings
from bridge.signaling.app import create_app
from bridge.store import Store
from bridge.use_cases import issue_join_links

# The WebSocket layer's own ceiling; the app answers frames over 64 KiB with a structured
# error below this, and only a frame past 1 MiB closes the connection (code 1009).
WS_MAX_SIZE = 1024 * 1024
# Every WebSocket is pinged this often and dropped when no pong comes back in time, so a
# site whose network is cut is seen gone (console: offline) within 10-15 s, not the ~30 s
# its media's ICE consent takes. Browsers answer pings by themselves; 10 s leaves room
# for a congested hall uplink.
WS_PING_INTERVAL_S = 5.0
WS_PING_TIMEOUT_S = 10.0


def serve(settings: Settings, demo: bool = True) -> int:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)
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
    try:
        if demo:
            _print_demo(store, settings)
        app = create_app(settings, store)
        config = uvicorn.Config(
            app,
            host=settings.host,
            port=settings.port,
            loop="uvloop",
            ws="websockets-sansio",
            ws_max_size=WS_MAX_SIZE,
            ws_ping_interval=WS_PING_INTERVAL_S,
            ws_ping_timeout=WS_PING_TIMEOUT_S,
            log_level="info",
            lifespan="on",
        )
        server = uvicorn.Server(config)
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
