"""The Starlette application: API, WebSocket, the pages, and the headers every response gets."""

from __future__ import annotations

import asyncio
import contextlib
import gc
from collections.abc import AsyncIterator
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

import endpoints
from bridge.mixer.core import MixerConfig
from bridge.mixer.mixer import EncodingConfig
from bridge.settings import Settings
from bridge.signaling.api import Api
from bridge.signaling.live import LiveSessions
from bridge.signaling.websocket import SignalingHandler
from bridge.store import Store

WEB_ROOT = Path(endpoints.__file__).parent / "web"

# Pages load only their own scripts and styles; media and WebSocket go to this origin only.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "media-src 'self' blob: mediastream:; connect-src 'self'; object-src 'none'; "
    "base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)
SECURITY_HEADERS = [
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"permissions-policy", b"camera=(self), microphone=(self), geolocation=()"),
    (b"cache-control", b"no-store"),
]


class SecurityHeaders:
    """Adds the security headers to every HTTP response (pages, API, static files)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                names = {k.lower() for k, _ in message.get("headers", [])}
                extra = [(k, v) for k, v in SECURITY_HEADERS if k not in names]
                message["headers"] = list(message.get("headers", [])) + extra
            await send(message)

        await self.app(scope, receive, send_with_headers)


def create_app(settings: Settings, store: Store) -> Starlette:
    mixer_config = MixerConfig(max_talkers=settings.max_talkers, levelling=settings.levelling)
    encoding = EncodingConfig(bitrate=settings.audio_bitrate, complexity=settings.audio_complexity)
    sessions = LiveSessions(
        store,
        settings.ice_servers,
        mixer_config,
        voice_hold_s=settings.voice_hold_s,
        encoding=encoding,
    )
    api = Api(store, sessions, settings)
    signaling = SignalingHandler(store, sessions, settings.default_lang)

    async def console_page(request: Request) -> Response:
        return FileResponse(WEB_ROOT / "console.html")

    async def site_page(request: Request) -> Response:
        return FileResponse(WEB_ROOT / "site.html")

    async def health(request: Request) -> Response:
        return JSONResponse({"ok": True})

    async def root(request: Request) -> Response:
        return RedirectResponse("/console")

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        # Everything alive at start-up lives for the whole run: keep it out of the cyclic
        # collector's full scans, whose pauses land on the 20 ms mixer clock's loop.
        gc.freeze()
        follow = asyncio.get_running_loop().create_task(sessions.follow_store())
        yield
        follow.cancel()
        await sessions.close_all()

    app = Starlette(
        routes=[
            Route("/", root),
            Route("/healthz", health),
            Route("/console", console_page),
            Route("/site/{session_id:int}", site_page),
            *api.routes(),
            WebSocketRoute("/ws", signaling.handle),
            Mount("/static", StaticFiles(directory=WEB_ROOT, check_dir=False), name="static"),
        ],
        lifespan=lifespan,
    )
    app.add_middleware(SecurityHeaders)
    app.state.sessions = sessions
    return app
