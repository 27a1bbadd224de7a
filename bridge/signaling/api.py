"""The HTTP JSON API (docs/api.md): accounts log in, manage sites and sessions, issue
join links, read the audit log. Every route but login needs ``Authorization: Bearer
<token>``; errors are ``{"error": {"code", "message"}}`` in the language of
``Accept-Language``.

Every route names its action (``bridge.permissions``) in one table, ``ROUTES``; the one
policy decides, before the handler runs, whether the caller's role (and, for a session's
routes, its ownership or assignment) allows it.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bridge.live import LiveSessions
from bridge.live.audit import AuditLog
from bridge.permissions import Action, Principal, SessionScope, authorize
from bridge.settings import Settings
from bridge.signaling import messages as m
from bridge.signaling.errors import (
    HTTP_STATUS,
    ErrorCode,
    SignalingError,
    login_error,
    message_for,
    pick_lang,
)
from bridge.signaling.outbound import site_entry
from bridge.signaling.scope import principal_of, session_scope
from bridge.signaling.throttle import ADDRESS_RULE, USERNAME_RULE, LoginThrottle
from bridge.store import Session, SessionState, Site, SiteLevel, Store, StoreError
from bridge.store.errors import InvalidCredentials
from bridge.use_cases import close_session, issue_join_links, open_session

Handler = Callable[[Request], Awaitable[Response]]

# Logins waiting for the password hasher beyond this are refused at once: a flood of
# logins queues no unbounded work.
MAX_WAITING_LOGINS = 16


# The largest id the API looks up: JSON-safe integers. A longer one names nothing (and
# would overflow the database driver's 64-bit integers).
MAX_ID = 2**53


def error_response(error: SignalingError, lang: str) -> JSONResponse:
    body: dict[str, Any] = {"code": str(error.code), "message": message_for(error.code, lang)}
    if error.field is not None:
        body["field"] = error.field
    return JSONResponse({"error": body}, status_code=HTTP_STATUS.get(error.code, 400))


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
        "organiser_id": session.organiser_id,
        "created_at": session.created_at.isoformat(),
    }


@dataclass(frozen=True)
class Caller:
    """Who is calling, and (for a session's routes) the session as the policy sees it."""

    principal: Principal
    token: str
    session: Session | None = None


@dataclass(frozen=True)
class ApiRoute:
    method: str
    path: str
    action: Action
    handler: str  # the ``Api`` method's name
    status: int = 200


# The API, one row per route: what it is (its action) and who may take it is decided by
# bridge.permissions from that action alone. A route with ``{id}`` is a session's.
ROUTES: list[ApiRoute] = [
    ApiRoute("POST", "/api/login", Action.LOGIN, "login"),
    ApiRoute("POST", "/api/logout", Action.LOGOUT, "logout"),
    ApiRoute("GET", "/api/accounts", Action.ACCOUNT_LIST, "list_accounts"),
    ApiRoute("POST", "/api/accounts", Action.ACCOUNT_CREATE, "create_account", 201),
    ApiRoute("GET", "/api/sites", Action.SITE_LIST, "list_sites"),
    ApiRoute("POST", "/api/sites", Action.SITE_CREATE, "create_site", 201),
    ApiRoute("GET", "/api/sessions", Action.SESSION_LIST, "list_sessions"),
    ApiRoute("POST", "/api/sessions", Action.SESSION_CREATE, "create_session", 201),
    ApiRoute("GET", "/api/sessions/{id:int}", Action.SESSION_VIEW, "get_session"),
    ApiRoute("POST", "/api/sessions/{id:int}/links", Action.SESSION_LINKS, "issue_links"),
    ApiRoute("POST", "/api/sessions/{id:int}/open", Action.SESSION_OPEN, "open"),
    ApiRoute("POST", "/api/sessions/{id:int}/close", Action.SESSION_CLOSE, "close"),
    ApiRoute("GET", "/api/sessions/{id:int}/live", Action.SESSION_LIVE, "live"),
    ApiRoute("GET", "/api/sessions/{id:int}/audit", Action.SESSION_AUDIT, "audit"),
    ApiRoute("POST", "/api/sessions/{id:int}/staff", Action.SESSION_STAFF, "assign_staff"),
    ApiRoute("GET", "/api/metrics", Action.METRICS_VIEW, "metrics"),
    ApiRoute("POST", "/api/metrics/reset", Action.METRICS_RESET, "reset_metrics"),
]


class Api:
    def __init__(
        self, store: Store, sessions: LiveSessions, audit: AuditLog, settings: Settings
    ) -> None:
        self.store = store
        self.sessions = sessions
        self.audit_log = audit
        self.settings = settings
        self._throttle = LoginThrottle()
        # One argon2 verification at a time: however many logins arrive, they take at
        # most one core, and the mixer's clock keeps the other.
        self._hashing = asyncio.Semaphore(1)
        self._logins_waiting = 0

    def routes(self) -> list[Route]:
        return [
            Route(r.path, self._endpoint(r), methods=[r.method], name=r.handler) for r in ROUTES
        ]

    def _endpoint(self, route: ApiRoute) -> Handler:
        handler: Callable[..., Awaitable[Any]] = getattr(self, route.handler)

        async def endpoint(request: Request) -> Response:
            lang = pick_lang(request.headers.get("accept-language"), self.settings.default_lang)
            try:
                if route.action is Action.LOGIN:
                    result = await handler(request)
                else:
                    caller = await self._authorize(request, route.action)
                    result = await handler(request, caller)
            except SignalingError as error:
                return error_response(error, lang)
            except StoreError as exc:
                return error_response(SignalingError(ErrorCode(exc.code), str(exc)), lang)
            except ClientDisconnect:
                # The client went away mid-body: nobody to answer, nothing to log.
                return Response(status_code=400)
            return JSONResponse(result, status_code=route.status)

        return endpoint

    async def _authorize(self, request: Request, action: Action) -> Caller:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            raise SignalingError(ErrorCode.UNAUTHORIZED)
        try:
            account = await asyncio.to_thread(self.store.accounts.check_token, token)
        except StoreError as exc:
            raise login_error(exc.code) from None
        principal = principal_of(account)
        session: Session | None = None
        scope: SessionScope | None = None
        if "id" in request.path_params:
            session_id = request.path_params["id"]
            if not 1 <= session_id <= MAX_ID:
                raise SignalingError(ErrorCode.NOT_FOUND, "id", field="id")
            session = await asyncio.to_thread(self.store.sessions.get, session_id)
            scope = session_scope(session)
        decision = authorize(principal, action, scope)
        if not decision.allowed:
            raise SignalingError(ErrorCode.FORBIDDEN, f"{action}: {decision.reason}")
        return Caller(principal, token, session)

    async def _body(self, request: Request, model: type[m._Body]) -> Any:
        return m.parse_body(model, await read_body(request))

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
                    self.store.accounts.login, body.username, body.password, valid_for
                )
        except InvalidCredentials:
            self._throttle.failed(keys, time.monotonic())
            raise
        finally:
            self._logins_waiting -= 1
        self._throttle.succeeded(user_key)
        operator = await asyncio.to_thread(self.store.accounts.check_token, issued.token)
        return {
            "token": issued.token,
            "expires_at": issued.expires_at.isoformat(),
            "operator": {"username": operator.username, "role": str(operator.role)},
        }

    async def logout(self, request: Request, caller: Caller) -> dict[str, Any]:
        await asyncio.to_thread(self.store.accounts.revoke_token, caller.token)
        return {"ok": True}

    async def list_accounts(self, request: Request, caller: Caller) -> dict[str, Any]:
        accounts = await asyncio.to_thread(self.store.accounts.list)
        return {"accounts": [_account_json(a) for a in accounts]}

    async def create_account(self, request: Request, caller: Caller) -> dict[str, Any]:
        body: m.AccountBody = await self._body(request, m.AccountBody)
        account = await asyncio.to_thread(
            self.store.accounts.create, body.username, body.password, body.role
        )
        self.audit_log.record(None, caller.principal.by, "create_account", username=body.username)
        return {"account": _account_json(account)}

    async def list_sites(self, request: Request, caller: Caller) -> dict[str, Any]:
        sites = await asyncio.to_thread(self.store.sites.list)
        return {"sites": [site_json(s) for s in sites]}

    async def create_site(self, request: Request, caller: Caller) -> dict[str, Any]:
        body: m.SiteBody = await self._body(request, m.SiteBody)
        site = await asyncio.to_thread(
            self.store.sites.create, body.name, SiteLevel(body.level), body.parent_id
        )
        self.audit_log.record(None, caller.principal.by, "create_site", site_id=site.id)
        return {"site": site_json(site)}

    async def list_sessions(self, request: Request, caller: Caller) -> dict[str, Any]:
        """The sessions the caller may see: all for admin and office, else its own."""
        sessions = await asyncio.to_thread(self.store.sessions.list)
        visible = [
            s
            for s in sessions
            if authorize(caller.principal, Action.SESSION_VIEW, session_scope(s)).allowed
        ]
        return {"sessions": [session_json(s) for s in visible]}

    async def create_session(self, request: Request, caller: Caller) -> dict[str, Any]:
        body: m.SessionBody = await self._body(request, m.SessionBody)
        session = await asyncio.to_thread(
            self.store.sessions.create,
            body.title,
            body.host_site_id,
            body.roster,
            SessionState(body.state),
            organiser_id=caller.principal.account_id,
        )
        self.audit_log.record(session.id, caller.principal.by, "create_session", title=body.title)
        return {"session": session_json(session)}

    async def get_session(self, request: Request, caller: Caller) -> dict[str, Any]:
        assert caller.session is not None
        return {"session": session_json(caller.session)}

    async def issue_links(self, request: Request, caller: Caller) -> dict[str, Any]:
        body: m.LinksBody = await self._body(request, m.LinksBody)
        hours = body.valid_hours or self.settings.join_token_hours
        session_id = request.path_params["id"]
        links = await asyncio.to_thread(
            issue_join_links,
            self.store,
            session_id,
            timedelta(hours=hours),
            self.settings.base_url,
        )
        self.audit_log.record(session_id, caller.principal.by, "issue_links", count=len(links))
        return {"links": links}

    async def open(self, request: Request, caller: Caller) -> dict[str, Any]:
        session_id = request.path_params["id"]
        session = await asyncio.to_thread(open_session, self.store, session_id)
        self.audit_log.record(session_id, caller.principal.by, "open_session")
        return {"session": session_json(session)}

    async def close(self, request: Request, caller: Caller) -> dict[str, Any]:
        session_id = request.path_params["id"]
        session = await asyncio.to_thread(close_session, self.store, session_id)
        self.audit_log.record(session_id, caller.principal.by, "close_session")
        await self.sessions.close(session_id, caller.principal.by)
        return {"session": session_json(session)}

    async def live(self, request: Request, caller: Caller) -> dict[str, Any]:
        session_id = request.path_params["id"]
        session = caller.session
        assert session is not None
        live = self.sessions.find(session_id)
        if live is None:
            sites = await asyncio.to_thread(self.store.sessions.roster_sites, session_id)
            entries: list[Any] = [
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

    async def audit(self, request: Request, caller: Caller) -> dict[str, Any]:
        """The session's audit log, oldest first (``?after=<id>`` pages on)."""
        session_id = request.path_params["id"]
        after = _int_param(request, "after")
        await self.audit_log.flush()
        entries = await asyncio.to_thread(self.store.audit.for_session, session_id, after_id=after)
        return {"entries": [_audit_json(e) for e in entries]}

    async def assign_staff(self, request: Request, caller: Caller) -> dict[str, Any]:
        """Assign an account to the session as operator or observer (``duty: null``
        withdraws it)."""
        body: m.StaffBody = await self._body(request, m.StaffBody)
        session_id = request.path_params["id"]
        if body.duty is None:
            await asyncio.to_thread(self.store.sessions.unassign, session_id, body.account_id)
        else:
            await asyncio.to_thread(
                self.store.sessions.assign, session_id, body.account_id, body.duty
            )
        self.audit_log.record(
            session_id,
            caller.principal.by,
            "assign_staff",
            account_id=body.account_id,
            duty=body.duty,
        )
        staff = await asyncio.to_thread(self.store.sessions.staff, session_id)
        return {"staff": [{"account_id": a, "duty": d} for a, d in sorted(staff.items())]}

    async def metrics(self, request: Request, caller: Caller) -> dict[str, Any]:
        """The audio path's health: clock lateness, bridge-added latency, loss handling.

        Top-level figures are those of the live session with the most sites (the one that
        matters on a bridge that runs one briefing at a time); every session is listed too.
        """
        sessions = [
            (live.conference.session_id, live.media.metrics()) for live in self.sessions.all()
        ]
        listed = [{"session_id": sid, **_metrics_json(m)} for sid, m in sessions]
        top = max(listed, key=lambda m: m["sites"], default=None)
        return {"sessions": listed, **(top or {})}

    async def reset_metrics(self, request: Request, caller: Caller) -> dict[str, Any]:
        """Start a new measurement window (benchmarks: after warm-up)."""
        for live in self.sessions.all():
            live.media.reset_metrics()
        return {"ok": True}


async def read_body(request: Request, limit: int = m.MAX_MESSAGE_BYTES) -> bytes:
    """The request's body, refused (``message_too_large``) as soon as it is known to be
    over ``limit``: from its declared ``Content-Length`` before a byte is read, else while it
    streams in — the bridge never holds more than ``limit`` of anyone's body."""
    declared = request.headers.get("content-length")
    if declared is not None:
        if not declared.isdigit():
            raise SignalingError(ErrorCode.INVALID_INPUT, "content-length", field="content-length")
        if int(declared) > limit:
            raise SignalingError(ErrorCode.MESSAGE_TOO_LARGE, f"{declared} bytes declared")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise SignalingError(ErrorCode.MESSAGE_TOO_LARGE, f"over {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def _int_param(request: Request, name: str) -> int | None:
    raw = request.query_params.get(name)
    if raw is None:
        return None
    if not raw.isdigit() or len(raw) > 15:
        raise SignalingError(ErrorCode.INVALID_INPUT, name)
    return int(raw)


def _account_json(account: Any) -> dict[str, Any]:
    return {"id": account.id, "username": account.username, "role": str(account.role)}


def _audit_json(entry: Any) -> dict[str, Any]:
    return {
        "id": entry.id,
        "session_id": entry.session_id,
        "at": entry.at.isoformat(),
        "by": entry.by,
        "action": entry.action,
        "detail": entry.detail,
    }


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
