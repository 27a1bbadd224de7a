"""The WebSocket endpoint: one connection per site page, headless endpoint or console.

Reading and writing are separate: a reader loop parses and dispatches each message in
order, and a writer task drains the connection's bounded outbox, so a slow client can
never block the code that broadcasts to everyone (it is disconnected instead).
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import json
import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TypeVar

from starlette.websockets import WebSocket, WebSocketDisconnect

from bridge.conference import (
    Command,
    ConferenceError,
    GiveFloor,
    LowerHand,
    Mute,
    MuteAllExceptHost,
    RaiseHand,
    SetVoiceActivated,
    ShowSite,
    SiteOffline,
    UnknownSite,
    Unmute,
    UnmuteAll,
)
from bridge.media.peer import InvalidOffer
from bridge.signaling import messages as m
from bridge.signaling.errors import ErrorCode, SignalingError
from bridge.signaling.live import LiveSession, LiveSessions
from bridge.signaling.wire import session_entry, site_entry
from bridge.store import Operator, SessionState, Store, StoreError

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

    def send(self, message: dict[str, object]) -> None:
        if self.closing:
            return
        try:
            self._outbox.put_nowait(message)
        except asyncio.QueueFull:
            log.warning("closing a connection that does not read its messages")
            self.finish(1008)

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
                await self.ws.send_text(json.dumps(item, ensure_ascii=False))


@dataclass
class _SiteRole:
    live: LiveSession
    site_id: int
    hands: collections.deque[float] = field(
        default_factory=lambda: collections.deque(maxlen=HAND_LIMIT)
    )

    def hand_allowed(self, now: float) -> bool:
        """At most ``HAND_LIMIT`` hand changes per ``HAND_WINDOW_S``."""
        if len(self.hands) == HAND_LIMIT and now - self.hands[0] < HAND_WINDOW_S:
            return False
        self.hands.append(now)
        return True


@dataclass
class _OperatorRole:
    live: LiveSession
    operator: Operator


def _operator_command(msg: m.ClientMessage, by: str) -> Command | None:
    """The domain command for an operator's control message (None: not one)."""
    if isinstance(msg, m.MuteMessage):
        return Mute(msg.site_id, by)
    if isinstance(msg, m.UnmuteMessage):
        return Unmute(msg.site_id, by)
    if isinstance(msg, m.ShowMessage):
        return ShowSite(msg.site_id, by)
    if isinstance(msg, m.LowerHandMessage):
        return LowerHand(msg.site_id, by)
    if isinstance(msg, m.GiveFloorMessage):
        return GiveFloor(msg.site_id, by)
    if isinstance(msg, m.MuteAllExceptHostMessage):
        return MuteAllExceptHost(by)
    if isinstance(msg, m.UnmuteAllMessage):
        return UnmuteAll(by)
    return None


@contextlib.contextmanager
def _domain_errors() -> Iterator[None]:
    """The domain's refusals as the protocol's stable codes."""
    try:
        yield
    except UnknownSite:
        raise SignalingError(ErrorCode.UNKNOWN_SITE) from None
    except SiteOffline:
        raise SignalingError(ErrorCode.SITE_OFFLINE) from None
    except ConferenceError as exc:  # pragma: no cover - every refusal has its code above
        raise SignalingError(ErrorCode.INVALID_MESSAGE, str(exc)) from None


class SignalingHandler:
    def __init__(self, store: Store, sessions: LiveSessions, default_lang: str) -> None:
        self.store = store
        self.sessions = sessions
        self.default_lang = default_lang

    async def handle(self, ws: WebSocket) -> None:
        await ws.accept()
        conn = Connection(ws, self.default_lang)
        writer = asyncio.get_running_loop().create_task(conn.write_loop())
        role: _SiteRole | _OperatorRole | None = None
        try:
            while not conn.closing:
                try:
                    frame = await asyncio.wait_for(
                        ws.receive(), JOIN_TIMEOUT_S if role is None else None
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
                    role = await self._dispatch(conn, role, message)
                except SignalingError as error:
                    if error.close_code is not None:
                        conn.close_with(error)
                        break
                    if not conn.report(error, m.ref_id_of(text) if text else None):
                        break
        except WebSocketDisconnect:
            pass
        finally:
            await self._detach(conn, role)
            if not conn.closing:
                conn.finish(1000)
            with contextlib.suppress(asyncio.TimeoutError, asyncio.CancelledError):
                await asyncio.wait_for(writer, 2.0)
            writer.cancel()

    async def _dispatch(
        self,
        conn: Connection,
        role: _SiteRole | _OperatorRole | None,
        msg: m.ClientMessage,
    ) -> _SiteRole | _OperatorRole | None:
        ref = msg.id
        if isinstance(msg, m.PingMessage):
            conn.send({"type": "pong", "ref_id": ref})
            return role
        if isinstance(msg, m.JoinMessage | m.OperatorMessage):
            if role is not None:
                raise SignalingError(ErrorCode.ALREADY_JOINED)
            if msg.lang:
                conn.lang = msg.lang
            if isinstance(msg, m.JoinMessage):
                return await self._join_site(conn, msg)
            return await self._join_operator(conn, msg)
        if role is None:
            raise SignalingError(ErrorCode.NOT_JOINED)
        if isinstance(role, _SiteRole):
            await self._site_message(conn, role, msg)
        else:
            await self._operator_message(conn, role, msg)
        return role

    async def _join_site(self, conn: Connection, msg: m.JoinMessage) -> _SiteRole:
        grant = await self._check(self.store.check_join_token, msg.token)
        if grant.session_id != msg.session_id:
            raise SignalingError(ErrorCode.WRONG_SESSION)
        live = await self.sessions.get(msg.session_id)
        live.attach_site(grant.site_id, conn)
        conn.send(
            {
                "type": "joined",
                "ref_id": msg.id,
                "site": site_entry(live.conference.site(grant.site_id)),
                "session": session_entry(live.conference),
                "ice_servers": live.ice_servers,
            }
        )
        conn.send(live.roster_message())
        live.welcome(grant.site_id)
        return _SiteRole(live, grant.site_id)

    async def _join_operator(self, conn: Connection, msg: m.OperatorMessage) -> _OperatorRole:
        operator = await self._check(self.store.check_operator_token, msg.token)
        live = await self.sessions.get(msg.session_id)
        live.attach_operator(conn)
        conn.send(
            {
                "type": "ready",
                "ref_id": msg.id,
                "operator": {"username": operator.username, "role": str(operator.role)},
                "session": session_entry(live.conference),
            }
        )
        conn.send(live.roster_message())
        conn.send(live.shown_message())
        conn.send(live.floor_message())
        return _OperatorRole(live, operator)

    async def _site_message(self, conn: Connection, role: _SiteRole, msg: m.ClientMessage) -> None:
        live, site_id = role.live, role.site_id
        if isinstance(msg, m.OfferMessage):
            try:
                sdp = await live.offer(site_id, conn, msg.sdp)
            except InvalidOffer as exc:
                raise SignalingError(ErrorCode.INVALID_SDP, str(exc)) from None
            conn.send({"type": "answer", "sdp": sdp, "ref_id": msg.id})
        elif isinstance(msg, m.CandidateMessage):
            try:
                await live.candidate(site_id, conn, msg.candidate, msg.sdpMid, msg.sdpMLineIndex)
            except InvalidOffer as exc:
                raise SignalingError(ErrorCode.INVALID_SDP, str(exc)) from None
        elif isinstance(msg, m.LeaveMessage):
            await live.detach_site(site_id, conn)
            conn.finish(1000)
        elif isinstance(msg, m.HandMessage):
            if not role.hand_allowed(time.monotonic()):
                raise SignalingError(ErrorCode.TOO_MANY_REQUESTS, "hand")
            live.command(RaiseHand(site_id) if msg.raised else LowerHand(site_id, "site"))
        else:
            raise SignalingError(ErrorCode.FORBIDDEN, msg.type)

    async def _operator_message(
        self, conn: Connection, role: _OperatorRole, msg: m.ClientMessage
    ) -> None:
        by = role.operator.username
        if isinstance(msg, m.OfferMessage):  # the console's previews
            try:
                sdp = await role.live.console_offer(conn, msg.sdp)
            except InvalidOffer as exc:
                raise SignalingError(ErrorCode.INVALID_SDP, str(exc)) from None
            conn.send({"type": "answer", "sdp": sdp, "ref_id": msg.id})
        elif isinstance(msg, m.CandidateMessage):
            try:
                await role.live.console_candidate(
                    conn, msg.candidate, msg.sdpMid, msg.sdpMLineIndex
                )
            except InvalidOffer as exc:
                raise SignalingError(ErrorCode.INVALID_SDP, str(exc)) from None
        elif isinstance(msg, m.VoiceActivatedMessage):
            role.live.command(SetVoiceActivated(msg.enabled, by, msg.hold_s))
        elif isinstance(msg, m.RemoveMessage):
            with _domain_errors():
                await role.live.remove(msg.site_id, by)
        elif isinstance(msg, m.EndSessionMessage):
            # As POST /api/sessions/{id}/close: the store first, so nobody can join again.
            session_id = role.live.conference.session_id
            try:
                await asyncio.to_thread(
                    self.store.set_session_state, session_id, SessionState.CLOSED
                )
            except StoreError as exc:
                raise SignalingError(ErrorCode(exc.code), str(exc)) from None
            await self.sessions.close(session_id, by)
        else:
            command = _operator_command(msg, by)
            if command is None:
                raise SignalingError(ErrorCode.FORBIDDEN, msg.type)
            with _domain_errors():
                role.live.command(command)

    async def _detach(self, conn: Connection, role: _SiteRole | _OperatorRole | None) -> None:
        if isinstance(role, _SiteRole):
            await role.live.detach_site(role.site_id, conn)
        elif isinstance(role, _OperatorRole):
            role.live.detach_operator(conn)

    @staticmethod
    async def _check(check: Callable[[str], T], token: str) -> T:
        try:
            return await asyncio.to_thread(check, token)
        except StoreError as exc:
            raise SignalingError(ErrorCode(exc.code)) from None
