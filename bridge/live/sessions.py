"""The open sessions that have someone in them, created on first join.

The store is synchronous (SQLite); its calls run in a worker thread so a join never
stalls the mixer clock on the same loop. Each new ``LiveSession`` gets a fresh media side
from ``media_factory`` and is handed to every ``on_open`` hook (the broadcast of the
signaling layer, the audit log), which register their effect handlers on it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from bridge.conference import Conference, RosterSite
from bridge.conference.shown import DEFAULT_HOLD_S
from bridge.live.media import MediaSide
from bridge.live.session import LiveSession
from bridge.store import NotFound, SessionState, Store

log = logging.getLogger(__name__)


class SessionUnavailable(Exception):
    """The session cannot be joined: ``code`` is ``wrong_session`` (no such session),
    ``session_not_open`` or ``session_closed``."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


class LiveSessions:
    def __init__(
        self,
        store: Store,
        ice_servers: list[dict[str, str]],
        media_factory: Callable[[], MediaSide],
        voice_hold_s: float = DEFAULT_HOLD_S,
    ) -> None:
        self._store = store
        self._ice_servers = ice_servers
        self._media_factory = media_factory
        self._voice_hold_s = voice_hold_s
        self._live: dict[int, LiveSession] = {}
        self._lock = asyncio.Lock()
        self.on_open: list[Callable[[LiveSession], None]] = []

    def find(self, session_id: int) -> LiveSession | None:
        return self._live.get(session_id)

    def all(self) -> list[LiveSession]:
        return list(self._live.values())

    async def get(self, session_id: int) -> LiveSession:
        """The live session, or ``SessionUnavailable`` if it is not open."""
        async with self._lock:
            live = self._live.get(session_id)
            if live is not None:
                return live
            try:
                session = await asyncio.to_thread(self._store.sessions.get, session_id)
                sites = await asyncio.to_thread(self._store.sessions.roster_sites, session_id)
            except NotFound:
                raise SessionUnavailable("wrong_session") from None
            if session.state is SessionState.CLOSED:
                raise SessionUnavailable("session_closed")
            if session.state is not SessionState.OPEN:
                raise SessionUnavailable("session_not_open")
            conference = Conference(
                session.id,
                session.title,
                session.host_site_id,
                [RosterSite(s.id, s.name, str(s.level)) for s in sites],
                state=str(session.state),
                hold_s=self._voice_hold_s,
            )
            live = LiveSession(conference, self._media_factory(), self._ice_servers)
            for hook in self.on_open:
                hook(live)
            self._live[session_id] = live
            return live

    async def close(self, session_id: int, by: str) -> None:
        live = self._live.pop(session_id, None)
        if live is not None:
            await live.close(by)

    async def close_all(self) -> None:
        for session_id in list(self._live):
            await self.close(session_id, "shutdown")

    async def follow_store(self, interval: float = 2.0) -> None:
        """Close live sessions that were closed in the store by someone else (``bridge
        session close`` from the command line, another process): their sites hear it
        within ``interval`` seconds. Runs for the server's lifetime."""
        while True:
            await asyncio.sleep(interval)
            for session_id in list(self._live):
                try:
                    session = await asyncio.to_thread(self._store.sessions.get, session_id)
                except NotFound:
                    closed = True
                except Exception:  # a busy or unreadable store: try again next time
                    log.exception("checking session %s in the store failed", session_id)
                    continue
                else:
                    closed = session.state is SessionState.CLOSED
                if closed:
                    await self.close(session_id, "system:store")
