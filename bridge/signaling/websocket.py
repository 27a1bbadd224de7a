"""The WebSocket endpoint: one connection per site page, headless endpoint or console.

Reading and writing are separate: a reader loop parses and dispatches each message in
order, and a writer task drains the connection's bounded outbox, so a slow client can
never block the code that broadcasts to everyone (it is disconnected instead).

The dispatch is one table per kind of connection (a hall's, a staff console's): message
type → the action it is (``bridge.permissions``) → the handler that turns it into a
command for the live session. Every message is authorised by the one policy before its
handler runs; a type missing from the table is ``forbidden`` for that kind.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import json
import logging
import time
from collections.abc import Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from starlette.websockets import WebSocket, WebSocketDisconnect

from bridge.conference import (
    Command,
    ConferenceError,
    GiveFloor,
    LowerHand,
    Mute,
    MuteAllExceptHost,
    RaiseHand,
    SetRecording,
    SetVoiceActivated,
    ShowSite,
    SiteOffline,
    UnknownSite,
    Unmute,
    UnmuteAll,
)
from bridge.conference.video import VideoSend
from bridge.live import Ending, LiveSession, LiveSessions, Replaced, SessionUnavailable
from bridge.live.audit import AuditLog
from bridge.live.connection_test import TestRefused
from bridge.media.peer import InvalidOffer
from bridge.permissions import Action, Principal, Role, SessionScope, allowed_actions, authorize
from bridge.signaling import messages as m
from bridge.signaling import outbound
from bridge.signaling.errors import ErrorCode, SignalingError, login_error
from bridge.signaling.notice_api import hall_notices, record_read
from bridge.signaling.scope import principal_of, session_scope
from bridge.store import Store, StoreError
from bridge.use_cases import close_session

log = logging.getLogger(__name__)

JOIN_TIMEOUT_S = 10.0
OUTBOX_LIMIT = 256
ERROR_WINDOW_S = 10.0
ERROR_LIMIT = 30
# A hall's hand changes reach every console: a site toggling it in a loop must not flood
# them (their outboxes are bounded; a full one closes the console). A person presses the
# button a few times a minute at most.
HAND_WINDOW_S = 10.0
HAND_LIMIT = 5
# A hall's device reports: its page answers each profile once and reports its devices about
# once a second. Each one is passed on to every console, so a hall that sends them in a loop
# would fill the consoles' outboxes; beyond these it is refused (``too_many_requests``).
REPORT_WINDOW_S = 10.0
ANSWER_LIMIT = 10  # profile_applied
HEALTH_LIMIT = 20  # device_health
_CLOSE = object()
T = TypeVar("T")


class Connection:
    """The server side of one WebSocket: a bounded outbox and a language."""

    def __init__(self, ws: WebSocket, lang: str) -> None:
        self.ws = ws
        self.lang = lang
        self.closing = False
        self._outbox: asyncio.Queue[object] = asyncio.Queue(OUTBOX_LIMIT)
        self._close_code = 1000
        self._errors: collections.deque[float] = collections.deque(maxlen=ERROR_LIMIT + 1)

    def send(self, message: Mapping[str, Any]) -> None:
        if self.closing:
            return
        try:
            self._outbox.put_nowait(message)
        except asyncio.QueueFull:
            log.warning("closing a connection that does not read its messages")
            self.finish(1008)

    # ---- bridge.live.Participant ---------------------------------------------------

    def end(self, reason: Ending) -> None:
        self.close_with(SignalingError(ErrorCode(reason.value)))

    def video(self, send: VideoSend) -> None:
        self.send(outbound.video(send))

    def close_with(self, error: SignalingError) -> None:
        if self.closing:
            return
        with contextlib.suppress(asyncio.QueueFull):
            self._outbox.put_nowait(error.to_message(self.lang))
        self.finish(error.close_code or 1000)

    def report(self, error: SignalingError, ref_id: str | int | None) -> bool:
        """Send an error about one message; False once the sender has erred too often."""
        now = time.monotonic()
        self._errors.append(now)
        if len(self._errors) > ERROR_LIMIT and now - self._errors[0] < ERROR_WINDOW_S:
            self.close_with(SignalingError(ErrorCode.TOO_MANY_ERRORS))
            return False
        self.send(error.to_message(self.lang, ref_id))
        return True

    def send_error(self, error: SignalingError, ref_id: str | int | None) -> None:
        self.send(error.to_message(self.lang, ref_id))

    def finish(self, code: int) -> None:
        self.closing = True
        self._close_code = code
        # The sentinel must get in even when the outbox is full.
        while True:
            try:
                self._outbox.put_nowait(_CLOSE)
                return
            except asyncio.QueueFull:
                self._outbox.get_nowait()

    async def write_loop(self) -> None:
        with contextlib.suppress(WebSocketDisconnect, RuntimeError, OSError):
            while True:
                item = await self._outbox.get()
                if item is _CLOSE:
                    await self.ws.close(self._close_code)
                    return
                text = json.dumps(item, ensure_ascii=False)
                try:
                    await self.ws.send_text(text)
                except UnicodeEncodeError:
                    # Text no UTF-8 can carry (a lone surrogate): escaped, it still goes.
                    await self.ws.send_text(json.dumps(item))


class _Window:
    """At most ``limit`` events per ``seconds``, sliding (bounded: ``limit`` stamps)."""

    def __init__(self, limit: int, seconds: float) -> None:
        self._stamps: collections.deque[float] = collections.deque(maxlen=limit)
        self._seconds = seconds

    def allow(self, now: float) -> bool:
        stamps = self._stamps
        if len(stamps) == stamps.maxlen and now - stamps[0] < self._seconds:
            return False
        stamps.append(now)
        return True


@dataclass
class _Joined:
    """What a connection is once its `join` or `operator` was accepted."""

    live: LiveSession
    principal: Principal
    scope: SessionScope
    site_id: int | None = None  # a hall's own site
    hands: _Window = field(default_factory=lambda: _Window(HAND_LIMIT, HAND_WINDOW_S))
    answers: _Window = field(default_factory=lambda: _Window(ANSWER_LIMIT, REPORT_WINDOW_S))
    health: _Window = field(default_factory=lambda: _Window(HEALTH_LIMIT, REPORT_WINDOW_S))

    @property
    def by(self) -> str:
        return self.principal.by

    def hand_allowed(self, now: float) -> bool:
        """At most ``HAND_LIMIT`` hand changes per ``HAND_WINDOW_S``."""
        return self.hands.allow(now)


Handle = Callable[["SignalingHandler", Connection, _Joined, Any], Awaitable[None]]


@dataclass(frozen=True)
class Route:
    action: Action
    handle: Handle


@contextlib.contextmanager
def _domain_errors() -> Iterator[None]:
    """The domain's and the media's refusals as the protocol's stable codes."""
    try:
        yield
    except UnknownSite:
        raise SignalingError(ErrorCode.UNKNOWN_SITE) from None
    except SiteOffline:
        raise SignalingError(ErrorCode.SITE_OFFLINE) from None
    except InvalidOffer as exc:
        raise SignalingError(ErrorCode.INVALID_SDP, str(exc)) from None
    except Replaced:
        raise SignalingError(ErrorCode.REPLACED) from None
    except ConferenceError as exc:  # pragma: no cover - every refusal has its code above
        raise SignalingError(ErrorCode.INVALID_MESSAGE, str(exc)) from None


def _command(build: Callable[[Any, str], Command]) -> Handle:
    """A handler that feeds one domain command to the live session."""

    async def handle(h: SignalingHandler, conn: Connection, j: _Joined, msg: Any) -> None:
        with _domain_errors():
            j.live.command(build(msg, j.by))

    return handle


# ---- hall handlers --------------------------------------------------------------------


async def _site_offer(h: SignalingHandler, conn: Connection, j: _Joined, msg: Any) -> None:
    assert j.site_id is not None
    with _domain_errors():
        sdp = await j.live.offer(j.site_id, conn, msg.sdp)
    conn.send(outbound.answer(sdp, msg.id))


async def _site_candidate(h: SignalingHandler, conn: Connection, j: _Joined, msg: Any) -> None:
    assert j.site_id is not None
    with _domain_errors():
        await j.live.candidate(j.site_id, conn, msg.candidate, msg.sdpMid, msg.sdpMLineIndex)


async def _grid_offer(h: SignalingHandler, conn: Connection, j: _Joined, msg: Any) -> None:
    assert j.site_id is not None
    with _domain_errors():
        sdp = await j.live.grid.offer(j.site_id, conn, msg.sdp)
    conn.send(outbound.answer(sdp, msg.id))
    j.live.grid.update()  # its first `grid` after the `answer`


async def _grid_candidate(h: SignalingHandler, conn: Connection, j: _Joined, msg: Any) -> None:
    assert j.site_id is not None
    with _domain_errors():
        await j.live.grid.candidate(j.site_id, conn, msg.candidate, msg.sdpMid, msg.sdpMLineIndex)


async def _grid_close(h: SignalingHandler, conn: Connection, j: _Joined, msg: Any) -> None:
    assert j.site_id is not None
    if j.live.site_participant(j.site_id) is conn:
        await j.live.grid.close(j.site_id)


async def _site_leave(h: SignalingHandler, conn: Connection, j: _Joined, msg: Any) -> None:
    assert j.site_id is not None
    await j.live.detach_site(j.site_id, conn, j.by)
    conn.finish(1000)


async def _site_hand(h: SignalingHandler, conn: Connection, j: _Joined, msg: Any) -> None:
    assert j.site_id is not None
    if not j.hand_allowed(time.monotonic()):
        raise SignalingError(ErrorCode.TOO_MANY_REQUESTS, "hand")
    command = RaiseHand(j.site_id, j.by) if msg.raised else LowerHand(j.site_id, j.by)
    j.live.command(command)


async def _site_profile_applied(
    h: SignalingHandler, conn: Connection, j: _Joined, msg: Any
) -> None:
    assert j.site_id is not None
    if not j.answers.allow(time.monotonic()):
        raise SignalingError(ErrorCode.TOO_MANY_REQUESTS, "profile_applied")
    j.live.devices.applied(j.site_id, msg.model_dump(exclude={"id", "type"}))


async def _site_device_health(h: SignalingHandler, conn: Connection, j: _Joined, msg: Any) -> None:
    assert j.site_id is not None
    if not j.health.allow(time.monotonic()):
        raise SignalingError(ErrorCode.TOO_MANY_REQUESTS, "device_health")
    j.live.devices.health_report(j.site_id, msg.model_dump(exclude={"id", "type"}))


def _test_refusal(exc: TestRefused) -> SignalingError:
    codes = {
        "test_running": ErrorCode.TEST_RUNNING,
        "too_many_requests": ErrorCode.TOO_MANY_REQUESTS,
        "site_offline": ErrorCode.SITE_OFFLINE,
    }
    return SignalingError(codes.get(exc.code, ErrorCode.INVALID_MESSAGE), "test")


async def _site_test_start(h: SignalingHandler, conn: Connection, j: _Joined, msg: Any) -> None:
    assert j.site_id is not None
    try:
        j.live.start_test(j.site_id, "hall", j.by)
    except TestRefused as exc:
        raise _test_refusal(exc) from None


async def _site_test_pong(h: SignalingHandler, conn: Connection, j: _Joined, msg: Any) -> None:
    assert j.site_id is not None
    test = j.live.tests.running.get(j.site_id)
    if test is not None and j.live.site_participant(j.site_id) is conn:
        test.pong(msg.n, msg.t)


async def _site_test_report(h: SignalingHandler, conn: Connection, j: _Joined, msg: Any) -> None:
    assert j.site_id is not None
    test = j.live.tests.running.get(j.site_id)
    if test is not None and j.live.site_participant(j.site_id) is conn:
        test.report(msg.test_id, msg.model_dump(exclude={"id", "type", "test_id"}))


# D (issue 13): the hall's page showed or opened a notice: its receipt, once.
async def _site_notice_read(h: SignalingHandler, conn: Connection, j: _Joined, msg: Any) -> None:
    assert j.site_id is not None
    session_id = j.live.conference.session_id
    try:
        notice = await asyncio.to_thread(h.store.notices.get, session_id, msg.notice_id)
    except StoreError:
        raise SignalingError(ErrorCode.NOT_FOUND, "notice_id", field="notice_id") from None
    if notice.withdrawn:
        raise SignalingError(ErrorCode.NOT_FOUND, "notice_id", field="notice_id")
    await record_read(h.store, h.sessions, h.audit, session_id, notice.id, j.site_id)


# ---- console handlers -----------------------------------------------------------------


async def _test_run(h: SignalingHandler, conn: Connection, j: _Joined, msg: Any) -> None:
    """One hall's test (its refusal is the sender's error), or every connected hall's (a
    rehearsal: those under test already are left to finish)."""
    if msg.site_id is not None:
        with _domain_errors():
            j.live.conference.site(msg.site_id)
        try:
            j.live.start_test(msg.site_id, "operator", j.by, forced=True)
        except TestRefused as exc:
            raise _test_refusal(exc) from None
    else:
        for site_id in j.live.connected_sites():
            with contextlib.suppress(TestRefused):
                j.live.start_test(site_id, "operator", j.by, forced=True)
    h.audit.record(j.live.conference.session_id, j.by, "test_run", site_id=msg.site_id)


async def _console_offer(h: SignalingHandler, conn: Connection, j: _Joined, msg: Any) -> None:
    with _domain_errors():
        sdp = await j.live.console_offer(conn, msg.sdp)
    conn.send(outbound.answer(sdp, msg.id))


async def _console_candidate(h: SignalingHandler, conn: Connection, j: _Joined, msg: Any) -> None:
    with _domain_errors():
        await j.live.console_candidate(conn, msg.candidate, msg.sdpMid, msg.sdpMLineIndex)


async def _remove(h: SignalingHandler, conn: Connection, j: _Joined, msg: Any) -> None:
    with _domain_errors():
        await j.live.remove(msg.site_id, j.by)


async def _end_session(h: SignalingHandler, conn: Connection, j: _Joined, msg: Any) -> None:
    # As POST /api/sessions/{id}/close: the store first, so nobody can join again.
    session_id = j.live.conference.session_id
    try:
        await asyncio.to_thread(close_session, h.store, session_id)
    except StoreError as exc:
        raise SignalingError(ErrorCode(exc.code), str(exc)) from None
    h.audit.record(session_id, j.by, "end_session")
    await h.sessions.close(session_id, j.by)


async def _record(h: SignalingHandler, conn: Connection, j: _Joined, msg: Any) -> None:
    """Issue 14: start or stop recording, as ``POST /api/sessions/{id}/recording`` does; a
    session in its test window (not yet open) is not recorded."""
    if msg.on and j.live.conference.state != "open":
        raise SignalingError(ErrorCode.SESSION_NOT_OPEN, "record")
    j.live.command(SetRecording(msg.on, j.by))


# The dispatch tables: message type → action → handler. The policy decides who may take
# each action; these decide what it means for each kind of connection.
SITE_ROUTES: dict[str, Route] = {
    "offer": Route(Action.SITE_MEDIA, _site_offer),
    "candidate": Route(Action.SITE_MEDIA, _site_candidate),
    "leave": Route(Action.SITE_LEAVE, _site_leave),
    "hand": Route(Action.SITE_HAND, _site_hand),
    # What a hall's devices did with its profile, and how they are: part of its media.
    "profile_applied": Route(Action.SITE_MEDIA, _site_profile_applied),
    "device_health": Route(Action.SITE_MEDIA, _site_device_health),
    "grid_offer": Route(Action.SITE_MEDIA, _grid_offer),
    "grid_candidate": Route(Action.SITE_MEDIA, _grid_candidate),
    "grid_close": Route(Action.SITE_MEDIA, _grid_close),
    # The hall's connection test: part of its media.
    "test_start": Route(Action.SITE_MEDIA, _site_test_start),
    "test_pong": Route(Action.SITE_MEDIA, _site_test_pong),
    "test_report": Route(Action.SITE_MEDIA, _site_test_report),
    # D (issue 13): notices.
    "notice_read": Route(Action.SITE_NOTICES, _site_notice_read),
}
STAFF_ROUTES: dict[str, Route] = {
    "offer": Route(Action.CONSOLE_PREVIEWS, _console_offer),
    "candidate": Route(Action.CONSOLE_PREVIEWS, _console_candidate),
    "mute": Route(Action.SITE_MUTE, _command(lambda msg, by: Mute(msg.site_id, by))),
    "unmute": Route(Action.SITE_UNMUTE, _command(lambda msg, by: Unmute(msg.site_id, by))),
    "show": Route(Action.SITE_SHOW, _command(lambda msg, by: ShowSite(msg.site_id, by))),
    "voice_activated": Route(
        Action.VOICE_SET, _command(lambda msg, by: SetVoiceActivated(msg.enabled, by, msg.hold_s))
    ),
    "lower_hand": Route(Action.HAND_LOWER, _command(lambda msg, by: LowerHand(msg.site_id, by))),
    "give_floor": Route(Action.FLOOR_GIVE, _command(lambda msg, by: GiveFloor(msg.site_id, by))),
    "mute_all_except_host": Route(
        Action.MUTE_ALL_EXCEPT_HOST, _command(lambda msg, by: MuteAllExceptHost(by))
    ),
    "unmute_all": Route(Action.UNMUTE_ALL, _command(lambda msg, by: UnmuteAll(by))),
    "remove": Route(Action.SITE_REMOVE, _remove),
    "end_session": Route(Action.SESSION_END, _end_session),
    "test_run": Route(Action.READINESS_TEST, _test_run),
    # Issue 14: recording.
    "record": Route(Action.RECORDING_CONTROL, _record),
}
# Before joining: the message that makes a connection a hall's or a console's.
JOIN_ACTIONS = {"join": Action.SITE_JOIN, "operator": Action.CONSOLE_JOIN, "ping": Action.PING}


class SignalingHandler:
    def __init__(
        self, store: Store, sessions: LiveSessions, audit: AuditLog, default_lang: str
    ) -> None:
        self.store = store
        self.sessions = sessions
        self.audit = audit
        self.default_lang = default_lang

    async def handle(self, ws: WebSocket) -> None:
        await ws.accept()
        conn = Connection(ws, self.default_lang)
        writer = asyncio.get_running_loop().create_task(conn.write_loop())
        joined: _Joined | None = None
        try:
            while not conn.closing:
                try:
                    frame = await asyncio.wait_for(
                        ws.receive(), JOIN_TIMEOUT_S if joined is None else None
                    )
                except TimeoutError:
                    conn.close_with(SignalingError(ErrorCode.JOIN_TIMEOUT))
                    break
                if frame["type"] == "websocket.disconnect":
                    break
                text = frame.get("text")
                try:
                    if text is None:
                        raise SignalingError(ErrorCode.INVALID_JSON, "binary frame")
                    message = m.parse_client_message(text)
                    joined = await self._dispatch(conn, joined, message)
                except SignalingError as error:
                    if error.close_code is not None:
                        conn.close_with(error)
                        break
                    if not conn.report(error, m.ref_id_of(text) if text else None):
                        break
                except (WebSocketDisconnect, asyncio.CancelledError):
                    raise
                except Exception:
                    # A fault of ours, not the sender's: they hear `internal`, the trace
                    # goes to the log, and the connection (and everyone else) carries on.
                    log.exception("handling a WebSocket message failed")
                    conn.send_error(
                        SignalingError(ErrorCode.INTERNAL), m.ref_id_of(text) if text else None
                    )
        except WebSocketDisconnect:
            pass
        finally:
            await self._detach(conn, joined)
            if not conn.closing:
                conn.finish(1000)
            with contextlib.suppress(asyncio.TimeoutError, asyncio.CancelledError):
                await asyncio.wait_for(writer, 2.0)
            writer.cancel()

    async def _dispatch(
        self, conn: Connection, joined: _Joined | None, msg: m.ClientMessage
    ) -> _Joined | None:
        if isinstance(msg, m.PingMessage):
            conn.send(outbound.pong(msg.id))
            return joined
        if isinstance(msg, m.JoinMessage | m.OperatorMessage):
            if joined is not None:
                raise SignalingError(ErrorCode.ALREADY_JOINED)
            if msg.lang:
                conn.lang = msg.lang
            if isinstance(msg, m.JoinMessage):
                return await self._join_site(conn, msg)
            return await self._join_console(conn, msg)
        if joined is None:
            raise SignalingError(ErrorCode.NOT_JOINED)
        routes = SITE_ROUTES if joined.principal.role is Role.SITE else STAFF_ROUTES
        route = routes.get(msg.type)
        if route is None:
            raise SignalingError(ErrorCode.FORBIDDEN, msg.type)
        decision = authorize(joined.principal, route.action, joined.scope)
        if not decision.allowed:
            raise SignalingError(ErrorCode.FORBIDDEN, f"{route.action}: {decision.reason}")
        await route.handle(self, conn, joined, msg)
        return joined

    async def _join_site(self, conn: Connection, msg: m.JoinMessage) -> _Joined:
        grant = await self._check(self.store.tokens.check, msg.token)
        principal = Principal(role=Role.SITE, site_id=grant.site_id, session_id=grant.session_id)
        # A hall's token is for one session: the policy refuses any other (before the live
        # session is even looked up).
        scope = SessionScope(msg.session_id)
        if not authorize(principal, Action.SITE_JOIN, scope).allowed:
            raise SignalingError(ErrorCode.WRONG_SESSION)
        live = await self._live(msg.session_id)
        live.attach_site(grant.site_id, conn, principal.by)
        site_id = grant.site_id
        conf = live.conference
        conn.send(outbound.joined(msg.id, conf.site(site_id), conf, live.ice_servers))
        conn.send(outbound.roster(conf))
        conn.send(outbound.shown(conf.shown.state))
        conn.send(outbound.floor(conf.floor))
        # D (issue 13): the session's notices in force, each with whether this hall read it.
        found = await asyncio.to_thread(hall_notices, self.store, msg.session_id, site_id)
        conn.send(outbound.notices(found))
        live.welcome(site_id)
        return _Joined(live, principal, scope, site_id)

    async def _join_console(self, conn: Connection, msg: m.OperatorMessage) -> _Joined:
        try:
            account = await asyncio.to_thread(self.store.accounts.check_token, msg.token)
        except StoreError as exc:
            raise login_error(exc.code) from None
        principal = principal_of(account)
        try:
            session = await asyncio.to_thread(self.store.sessions.get, msg.session_id)
        except StoreError as exc:
            raise SignalingError(ErrorCode.WRONG_SESSION, str(exc)) from None
        scope = session_scope(session)
        decision = authorize(principal, Action.CONSOLE_JOIN, scope)
        if not decision.allowed:
            # An error about who the sender is: the console is told and the connection ends.
            conn.send_error(SignalingError(ErrorCode.FORBIDDEN, decision.reason), msg.id)
            conn.finish(4403)
            raise SignalingError(ErrorCode.FORBIDDEN, decision.reason)
        live = await self._live(msg.session_id)
        live.attach_operator(conn)
        conf = live.conference
        actions = [str(a) for a in allowed_actions(principal, scope)]
        conn.send(outbound.ready(msg.id, account.username, str(account.role), conf, actions))
        conn.send(outbound.roster(conf))
        conn.send(outbound.shown(conf.shown.state))
        conn.send(outbound.floor(conf.floor))
        conn.send(outbound.profile_status(live.devices.statuses()))  # type: ignore[arg-type]
        return _Joined(live, principal, scope)

    async def _live(self, session_id: int) -> LiveSession:
        try:
            return await self.sessions.get(session_id)
        except SessionUnavailable as exc:
            raise SignalingError(ErrorCode(exc.code)) from None

    async def _detach(self, conn: Connection, joined: _Joined | None) -> None:
        if joined is None:
            return
        if joined.site_id is not None:
            await joined.live.detach_site(joined.site_id, conn, joined.by)
        else:
            joined.live.detach_operator(conn)

    @staticmethod
    async def _check(check: Callable[[str], T], token: str) -> T:
        try:
            return await asyncio.to_thread(check, token)
        except StoreError as exc:
            raise SignalingError(ErrorCode(exc.code)) from None
