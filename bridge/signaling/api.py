"""The HTTP JSON API (docs/api.md): operators log in, manage sites and sessions, issue
join links. Every route but login needs ``Authorization: Bearer <token>``; errors are
``{"error": {"code", "message"}}`` in the language of ``Accept-Language``."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from bridge.settings import Settings
from bridge.signaling import messages as m
from bridge.signaling.errors import HTTP_STATUS, ErrorCode, SignalingError, message_for, pick_lang
from bridge.signaling.live import LiveSessions
from bridge.signaling.throttle import ADDRESS_RULE, USERNAME_RULE, LoginThrottle
from bridge.signaling.wire import site_entry
from bridge.store import Operator, Session, SessionState, Site, SiteLevel, Store, StoreError
from bridge.store.errors import InvalidCredentials

Handler = Callable[[Request], Awaitable[JSONResponse]]

# Logins waiting for the password hasher beyond this are refused at once: a flood of
# logins queues no unbounded work.
MAX_WAITING_LOGINS = 16


def error_response(error: SignalingError, lang: str) -> JSONResponse:
    return JSONResponse(
        {"error": {"code": str(error.code), "message": message_for(error.code, lang)}},
        status_code=HTTP_STATUS.get(error.code, 400),
    )


def site_json(site: Site) -> dict[str, Any]:
    return {
        "id": site.id,
        "name": site.name,
        "level": str(site.level),
        "parent_id": site.parent_id,
        "created_at": site.created_at.isoformat(),
    }


def session_json(session: Session) -> dict[str, Any]:
    return {
        "id": session.id,
        "title": session.title,
        "state": str(session.state),
        "host_site_id": session.host_site_id,
        "roster": list(session.roster),
        "created_at": session.created_at.isoformat(),
    }


class Api:
    def __init__(self, store: Store, sessions: LiveSessions, settings: Settings) -> None:
        self.store = store
        self.sessions = sessions
        self.settings = settings
        self._throttle = LoginThrottle()
        # One argon2 verification at a time: however many logins arrive, they take at
        # most one core, and the mixer's clock keeps the other.
        self._hashing = asyncio.Semaphore(1)
        self._logins_waiting = 0

    def routes(self) -> list[Route]:
        return [
            Route("/api/login", self._endpoint(self.login, auth=False), methods=["POST"]),
            Route("/api/logout", self._endpoint(self.logout), methods=["POST"]),
            Route("/api/sites", self._endpoint(self.list_sites), methods=["GET"]),
            Route("/api/sites", self._endpoint(self.create_site), methods=["POST"]),
            Route("/api/sessions", self._endpoint(self.list_sessions), methods=["GET"]),
            Route("/api/sessions", self._endpoint(self.create_session), methods=["POST"]),
            Route("/api/sessions/{id:int}", self._endpoint(self.get_session), methods=["GET"]),
            Route(
                "/api/sessions/{id:int}/links", self._endpoint(self.issue_links), methods=["POST"]
            ),
            Route("/api/sessions/{id:int}/open", self._endpoint(self.open), methods=["POST"]),
            Route("/api/sessions/{id:int}/close", self._endpoint(self.close), methods=["POST"]),
            Route("/api/sessions/{id:int}/live", self._endpoint(self.live), methods=["GET"]),
            Route("/api/metrics", self._endpoint(self.metrics), methods=["GET"]),
            Route("/api/metrics/reset", self._endpoint(self.reset_metrics), methods=["POST"]),
        ]

    def _endpoint(self, handler: Callable[..., Awaitable[Any]], auth: bool = True) -> Handler:
        async def endpoint(request: Request) -> JSONResponse:
            lang = pick_lang(request.headers.get("accept-language"), self.settings.default_lang)
            try:
                if auth:
                    operator = await self._authenticate(request)
                    result = await handler(request, operator)
                else:
                    result = await handler(request)
            except SignalingError as error:
                return error_response(error, lang)
            except StoreError as exc:
                return error_response(SignalingError(ErrorCode(exc.code), str(exc)), lang)
            status = (
                201 if request.method == "POST" and handler.__name__.startswith("create") else 200
            )
            return JSONResponse(result, status_code=status)

        return endpoint

    async def _authenticate(self, request: Request) -> Operator:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise SignalingError(ErrorCode.UNAUTHORIZED)
        return await asyncio.to_thread(self.store.check_operator_token, token.strip())

    async def _body(self, request: Request, model: type[m._Body]) -> Any:
        raw = await request.body()
        return m.parse_body(model, raw)

    # ---- routes --------------------------------------------------------------------------

    async def login(self, request: Request) -> dict[str, Any]:
        body: m.LoginBody = await self._body(request, m.LoginBody)
        user_key = "user:" + body.username.strip().casefold()
        address = request.client.host if request.client is not None else "?"
        keys = {user_key: USERNAME_RULE, "address:" + address: ADDRESS_RULE}
        if self._throttle.retry_after(keys, time.monotonic()) > 0:
            raise SignalingError(ErrorCode.TOO_MANY_ATTEMPTS, "locked out")
        if self._logins_waiting >= MAX_WAITING_LOGINS:
            raise SignalingError(ErrorCode.TOO_MANY_ATTEMPTS, "too many logins waiting")
        valid_for = timedelta(hours=self.settings.operator_token_hours)
        self._logins_waiting += 1
        try:
            async with self._hashing:
                issued = await asyncio.to_thread(
                    self.store.login, body.username, body.password, valid_for
                )
        except InvalidCredentials:
            self._throttle.failed(keys, time.monotonic())
            raise
        finally:
            self._logins_waiting -= 1
        self._throttle.succeeded(user_key)
        operator = await asyncio.to_thread(self.store.check_operator_token, issued.token)
        return {
            "token": issued.token,
            "expires_at": issued.expires_at.isoformat(),
            "operator": {"username": operator.username, "role": str(operator.role)},
        }

    async def logout(self, request: Request, operator: Operator) -> dict[str, Any]:
        token = request.headers["authorization"].partition(" ")[2].strip()
        await asyncio.to_thread(self.store.revoke_operator_token, token)
        return {"ok": True}

    async def list_sites(self, request: Request, operator: Operator) -> dict[str, Any]:
        sites = await asyncio.to_thread(self.store.list_sites)
        return {"sites": [site_json(s) for s in sites]}

    async def create_site(self, request: Request, operator: Operator) -> dict[str, Any]:
        body: m.SiteBody = await self._body(request, m.SiteBody)
        site = await asyncio.to_thread(
            self.store.create_site, body.name, SiteLevel(body.level), body.parent_id
        )
        return {"site": site_json(site)}

    async def list_sessions(self, request: Request, operator: Operator) -> dict[str, Any]:
        sessions = await asyncio.to_thread(self.store.list_sessions)
        return {"sessions": [session_json(s) for s in sessions]}

    async def create_session(self, request: Request, operator: Operator) -> dict[str, Any]:
        body: m.SessionBody = await self._body(request, m.SessionBody)
        session = await asyncio.to_thread(
            self.store.create_session,
            body.title,
            body.host_site_id,
            body.roster,
            SessionState(body.state),
        )
        return {"session": session_json(session)}

    async def get_session(self, request: Request, operator: Operator) -> dict[str, Any]:
        session = await asyncio.to_thread(self.store.get_session, request.path_params["id"])
        return {"session": session_json(session)}

    async def issue_links(self, request: Request, operator: Operator) -> dict[str, Any]:
        body: m.LinksBody = await self._body(request, m.LinksBody)
        hours = body.valid_hours or self.settings.join_token_hours
        links = await asyncio.to_thread(
            issue_join_links,
            self.store,
            request.path_params["id"],
            timedelta(hours=hours),
            self.settings.base_url,
        )
        return {"links": links}

    async def open(self, request: Request, operator: Operator) -> dict[str, Any]:
        session = await asyncio.to_thread(
            self.store.set_session_state, request.path_params["id"], SessionState.OPEN
        )
        return {"session": session_json(session)}

    async def close(self, request: Request, operator: Operator) -> dict[str, Any]:
        session_id = request.path_params["id"]
        session = await asyncio.to_thread(
            self.store.set_session_state, session_id, SessionState.CLOSED
        )
        await self.sessions.close(session_id, operator.username)
        return {"session": session_json(session)}

    async def live(self, request: Request, operator: Operator) -> dict[str, Any]:
        session_id = request.path_params["id"]
        session = await asyncio.to_thread(self.store.get_session, session_id)
        live = self.sessions.find(session_id)
        if live is None:
            sites = await asyncio.to_thread(self.store.roster_sites, session_id)
            entries = [
                {
                    "id": s.id,
                    "name": s.name,
                    "level": str(s.level),
                    "host": s.id == session.host_site_id,
                    "state": "offline",
                    "muted": False,
                    "hand_raised": False,
                    "hand_seq": None,
                    "removed": False,
                }
                for s in sites
            ]
        else:
            entries = [site_entry(s) for s in live.conference.roster()]
        return {"session": session_json(session), "sites": entries}

    async def metrics(self, request: Request, operator: Operator) -> dict[str, Any]:
        """The audio path's health: clock lateness, bridge-added latency, loss handling.

        Top-level figures are those of the live session with the most sites (the one that
        matters on a bridge that runs one briefing at a time); every session is listed too.
        """
        sessions = [
            (live.conference.session_id, {**live.mixer.metrics(), "video": live.video_metrics()})
            for live in self.sessions.all()
        ]
        listed = [{"session_id": sid, **_metrics_json(m)} for sid, m in sessions]
        top = max(listed, key=lambda m: m["sites"], default=None)
        return {"sessions": listed, **(top or {})}

    async def reset_metrics(self, request: Request, operator: Operator) -> dict[str, Any]:
        """Start a new measurement window (benchmarks: after warm-up)."""
        for live in self.sessions.all():
            live.mixer.clock.lateness.clear()
            live.mixer.latency.clear()
            live.forwarder.switch_wait.clear()
        return {"ok": True}


def _ms(values: Any, *quantiles: int) -> dict[str, float]:
    return {f"p{q}": round(values.percentile(q) * 1000, 2) for q in quantiles}


def _metrics_json(m: dict[str, Any]) -> dict[str, Any]:
    targets = m.pop("jitter_target")
    lateness, latency = m.pop("lateness_s"), m.pop("latency_s")
    video = dict(m.pop("video"))
    video["switch_wait_ms"] = _ms(video.pop("switch_wait_s"), 50, 95)
    return {
        **m,
        "video": video,
        "clock": {
            "lateness_ms": _ms(lateness, 50, 99),
            "ticks": m["ticks"],
            "skipped": m["skipped"],
        },
        "latency_ms": _ms(latency, 50, 95),
        "jitter_target_frames": {
            "min": min(targets, default=0),
            "max": max(targets, default=0),
        },
    }


def issue_join_links(
    store: Store, session_id: int, valid_for: timedelta, base_url: str
) -> list[dict[str, Any]]:
    """A fresh join link for every roster site (older links stay valid until they expire)."""
    links = []
    for site in store.roster_sites(session_id):
        issued = store.issue_join_token(session_id, site.id, valid_for)
        links.append(
            {
                "site_id": site.id,
                "site_name": site.name,
                "url": f"{base_url}/site/{session_id}#token={issued.token}",
                "expires_at": issued.expires_at.isoformat(),
            }
        )
    return links
