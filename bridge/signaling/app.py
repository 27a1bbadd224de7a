"""The Starlette application: API, WebSocket, the pages, and the headers every response gets."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from collections.abc import AsyncIterator
from pathlib import Path

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

import endpoints
from bridge.attendance import LIVE_OPEN
from bridge.live import AiortcMedia, LiveSessions
from bridge.live.audit import AuditLog, AuditRecord
from bridge.live.quality_log import QualityLog
from bridge.live.recording import LiveRecordings
from bridge.live.summaries import SummaryWriter
from bridge.mail import Mailer, MailSettings
from bridge.media.startup import install
from bridge.mixer.core import MixerConfig
from bridge.mixer.mixer import EncodingConfig
from bridge.settings import Settings
from bridge.signaling import broadcast
from bridge.signaling.api import Api, error_response
from bridge.signaling.errors import ErrorCode, SignalingError, pick_lang
from bridge.signaling.report_api import write_summary
from bridge.signaling.websocket import SignalingHandler
from bridge.store import Store
from bridge.tls import HSTS

log = logging.getLogger(__name__)

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
                if scope.get("scheme") == "https":  # over TLS (or a proxy's, forwarded)
                    extra.append((b"strict-transport-security", HSTS.encode()))
                message["headers"] = list(message.get("headers", [])) + extra
            await send(message)

        await self.app(scope, receive, send_with_headers)


def create_app(settings: Settings, store: Store) -> Starlette:
    install(settings.effective_ice_addresses())  # aiortc adapted as by ``bridge serve``
    mixer_config = MixerConfig(max_talkers=settings.max_talkers, levelling=settings.levelling)
    encoding = EncodingConfig(bitrate=settings.audio_bitrate, complexity=settings.audio_complexity)

    def media() -> AiortcMedia:
        return AiortcMedia(settings.ice_servers, mixer_config, encoding)

    def write_audit(records: list[AuditRecord]) -> None:
        store.audit.append(records)

    sessions = LiveSessions(store, settings.ice_servers, media, voice_hold_s=settings.voice_hold_s)
    audit = AuditLog(write_audit)
    # Registered in this order on every new live session: everyone is told of an event,
    # then it is queued for the audit log.
    sessions.on_open.append(broadcast.attach)
    sessions.on_open.append(audit.subscribe)
    # Issue 14: a live session opened (first join, or taken up after a restart) is marked
    # in the audit log — attendance ends there what a crash left open — and its links'
    # quality is kept per 20 s window.
    sessions.on_open.append(
        lambda live: audit.record(live.conference.session_id, "system", LIVE_OPEN)
    )
    quality_log = QualityLog(store.quality.append)
    sessions.on_open.append(quality_log.subscribe)
    # Issue 14: recordings (after the audit: a recording's own records follow its event).
    # A recording the last run left unfinished was cut off: failed, before any is resumed.
    store.recordings.fail_unfinished()
    recordings = LiveRecordings(
        store, settings.recordings_dir, audit.record, settings.recording_retention_days
    )
    sessions.on_open.append(recordings.attach)
    # Issue 14: a session closed for good gets its report's summaries, once its audit log
    # and quality windows are written.
    summaries = SummaryWriter(
        lambda sid: write_summary(store, sid, settings.attendance_present_share),
        [audit.flush, quality_log.flush],
    )
    sessions.on_closed.append(summaries.session_closed)
    # Issue 13 B: the bookings' e-mails, sent off the event loop.
    mailer = Mailer(
        MailSettings(
            settings.smtp_host,
            settings.smtp_port,
            settings.smtp_user,
            settings.smtp_password,
            settings.smtp_from,
            settings.smtp_starttls,
            settings.smtp_timeout_s,
        )
    )
    api = Api(store, sessions, audit, settings, mailer, recordings)
    api.quality_log = quality_log
    api.summaries = summaries
    signaling = SignalingHandler(store, sessions, audit, settings.default_lang)

    async def console_page(request: Request) -> Response:
        return FileResponse(WEB_ROOT / "console.html")

    # Issue 13, part E: the office page (bookings, calendar, approvals, invitations).
    async def office_page(request: Request) -> Response:
        return FileResponse(WEB_ROOT / "office.html")

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
        loop = asyncio.get_running_loop()
        follow = loop.create_task(sessions.follow_store())
        writer = loop.create_task(audit.run())
        quality_writer = loop.create_task(quality_log.run())
        # Issue 13 B: sessions open by themselves at their start; e-mails go out.
        opener = loop.create_task(
            sessions.follow_schedule(
                settings.schedule_check_s,
                lambda sid, action, detail: audit.record(sid, "schedule", action, **detail),
            )
        )
        mails = loop.create_task(mailer.run())
        purge = loop.create_task(recordings.follow_retention())  # issue 14
        yield
        opener.cancel()
        mails.cancel()
        follow.cancel()
        purge.cancel()
        await sessions.close_all()
        await recordings.drain()  # issue 14: the files of the sessions just closed
        writer.cancel()
        quality_writer.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await writer
        with contextlib.suppress(asyncio.CancelledError):
            await quality_writer

    def lang_of(request: Request) -> str:
        return pick_lang(request.headers.get("accept-language"), settings.default_lang)

    async def http_error(request: Request, exc: Exception) -> Response:
        """Unknown routes and methods answer in the API's own error shape, not plain text."""
        status = exc.status_code if isinstance(exc, HTTPException) else 500
        code = {404: ErrorCode.NOT_FOUND, 405: ErrorCode.METHOD_NOT_ALLOWED}.get(
            status, ErrorCode.INVALID_INPUT
        )
        return error_response(SignalingError(code), lang_of(request))

    async def internal_error(request: Request, exc: Exception) -> Response:
        log.error(
            "unexpected error answering %s %s", request.method, request.url.path, exc_info=exc
        )
        return error_response(SignalingError(ErrorCode.INTERNAL), lang_of(request))

    app = Starlette(
        routes=[
            Route("/", root),
            Route("/healthz", health),
            Route("/console", console_page),
            Route("/office", office_page),
            Route("/site/{session_id:int}", site_page),
            *api.routes(),
            WebSocketRoute("/ws", signaling.handle),
            Mount("/static", StaticFiles(directory=WEB_ROOT, check_dir=False), name="static"),
        ],
        lifespan=lifespan,
        exception_handlers={HTTPException: http_error, Exception: internal_error},
    )
    app.add_middleware(SecurityHeaders)
    app.state.sessions = sessions
    app.state.audit = audit
    app.state.quality_log = quality_log
    app.state.summaries = summaries
    app.state.mailer = mailer
    app.state.recordings = recordings
    return app
