"""A live session: the I/O shell around one ``Conference``.

It holds who is connected (one signaling participant and one peer per site, any number
of operator consoles), turns commands into the domain's events, applies them to the
mixer, and sends them to everyone. Everything here runs on the event loop; nothing in it
blocks, and every send goes through a participant's bounded outbox.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Protocol

from bridge.conference import (
    CloseSession,
    Command,
    Conference,
    Event,
    Join,
    Leave,
    MediaConnected,
    MediaLost,
    RosterSite,
    SessionChanged,
    SiteChanged,
)
from bridge.media.peer import SitePeer
from bridge.mixer.core import MixerConfig
from bridge.mixer.mixer import Mixer
from bridge.signaling.errors import ErrorCode, SignalingError
from bridge.signaling.wire import session_entry, site_entry
from bridge.store import NotFound, SessionState, Store

log = logging.getLogger(__name__)

METER_INTERVAL_S = 0.1  # 10 Hz: a meter needs no more, and 100 consoles x sites adds up


class Participant(Protocol):
    def send(self, message: dict[str, object]) -> None: ...
    def close_with(self, error: SignalingError) -> None: ...


@dataclass
class _SiteLink:
    participant: Participant
    peer: SitePeer | None = None


class LiveSession:
    def __init__(
        self,
        conference: Conference,
        ice_servers: list[dict[str, str]],
        mixer_config: MixerConfig | None = None,
    ) -> None:
        self.conference = conference
        self.ice_servers = ice_servers
        self.mixer = Mixer(mixer_config)
        self._sites: dict[int, _SiteLink] = {}
        self._operators: set[Participant] = set()
        self._meters: asyncio.Task[None] | None = None

    # ---- snapshots -------------------------------------------------------------------

    def roster_message(self) -> dict[str, object]:
        return {
            "type": "roster",
            "session_id": self.conference.session_id,
            "sites": [site_entry(s) for s in self.conference.roster()],
        }

    def session_message(self) -> dict[str, object]:
        return {"type": "session", "session": session_entry(self.conference)}

    # ---- sites -----------------------------------------------------------------------

    def attach_site(self, site_id: int, participant: Participant) -> None:
        """A site's join was accepted; an older connection of the same site is replaced."""
        old = self._sites.pop(site_id, None)
        if old is not None:
            old.participant.close_with(SignalingError(ErrorCode.REPLACED))
            if old.peer is not None:
                asyncio.get_running_loop().create_task(old.peer.close())
            self._apply(Leave(site_id))
        # The others hear of the join now; the joining site learns its state from the
        # `joined` and `roster` replies that follow, so it is registered after the event.
        self._apply(Join(site_id))
        self._sites[site_id] = _SiteLink(participant)

    async def offer(self, site_id: int, participant: Participant, sdp: str) -> str:
        """Answer a site's offer with a fresh peer (a renegotiating site gets a new one)."""
        link = self._current(site_id, participant)
        if link.peer is not None:
            old, link.peer = link.peer, None
            await old.close()
        peer = SitePeer(
            site_id,
            self.mixer,
            self.ice_servers,
            on_state=lambda state: self._on_peer_state(site_id, peer, state),
            muted=self.conference.is_muted(site_id),
        )
        link.peer = peer
        try:
            return await peer.answer(sdp)
        except Exception:
            if link.peer is peer:
                link.peer = None
            await peer.close()
            raise

    async def candidate(
        self, site_id: int, participant: Participant, line: str, mid: str | None, index: int | None
    ) -> None:
        link = self._current(site_id, participant)
        if link.peer is not None:
            await link.peer.add_candidate(line, mid, index)

    async def detach_site(self, site_id: int, participant: Participant) -> None:
        """The site left or its connection dropped (ignored if it was already replaced)."""
        link = self._sites.get(site_id)
        if link is None or link.participant is not participant:
            return
        del self._sites[site_id]
        if link.peer is not None:
            await link.peer.close()
        self._apply(Leave(site_id))

    def _current(self, site_id: int, participant: Participant) -> _SiteLink:
        link = self._sites.get(site_id)
        if link is None or link.participant is not participant:
            raise SignalingError(ErrorCode.REPLACED)
        return link

    def _on_peer_state(self, site_id: int, peer: SitePeer, state: str) -> None:
        link = self._sites.get(site_id)
        if link is None or link.peer is not peer:
            return  # a replaced peer's last words
        if state == "connected":
            self._apply(MediaConnected(site_id))
        elif state in ("failed", "closed"):
            self._apply(MediaLost(site_id))

    # ---- operators -------------------------------------------------------------------

    def attach_operator(self, participant: Participant) -> None:
        self._operators.add(participant)
        if self._meters is None:
            self._meters = asyncio.get_running_loop().create_task(self._send_meters())

    def detach_operator(self, participant: Participant) -> None:
        self._operators.discard(participant)
        if not self._operators and self._meters is not None:
            self._meters.cancel()
            self._meters = None

    async def _send_meters(self) -> None:
        """Levels and talk state to consoles, at most 10 times a second (never to sites)."""
        while True:
            await asyncio.sleep(METER_INTERVAL_S)
            meters = self.mixer.meters()
            if not meters:
                continue
            message: dict[str, object] = {
                "type": "meters",
                "sites": [
                    {"id": site_id, "level": round(max(level, -120.0), 1), "talking": talking}
                    for site_id, (level, talking) in meters.items()
                ],
            }
            for operator in list(self._operators):
                operator.send(message)

    def command(self, command: Command) -> None:
        """An operator's command (mute, unmute, close)."""
        self._apply(command)

    # ---- events ----------------------------------------------------------------------

    def _apply(self, command: Command) -> None:
        for event in self.conference.handle(command):
            self._effect(event)
            self._broadcast(_message(event, self.conference))

    def _effect(self, event: Event) -> None:
        if isinstance(event, SiteChanged):
            self.mixer.set_muted(event.site.id, event.site.muted)

    def _broadcast(self, message: dict[str, object]) -> None:
        for link in self._sites.values():
            link.participant.send(message)
        for operator in self._operators:
            operator.send(message)

    @property
    def empty(self) -> bool:
        return not self._sites and not self._operators

    async def close(self, by: str = "system") -> None:
        """End the session: tell everyone, drop every peer, stop the mixer."""
        self._apply(CloseSession(by))
        links = list(self._sites.values())
        self._sites.clear()
        for link in links:
            link.participant.close_with(SignalingError(ErrorCode.SESSION_CLOSED))
            if link.peer is not None:
                await link.peer.close()
        for operator in list(self._operators):
            operator.close_with(SignalingError(ErrorCode.SESSION_CLOSED))
            self.detach_operator(operator)
        await self.mixer.close()


def _message(event: Event, conference: Conference) -> dict[str, object]:
    if isinstance(event, SiteChanged):
        return {"type": "site", "site": site_entry(event.site)}
    if isinstance(event, SessionChanged):
        return {"type": "session", "session": session_entry(conference)}
    raise TypeError(event)  # pragma: no cover


class LiveSessions:
    """The open sessions that have someone in them, created on first join.

    The store is synchronous (SQLite); its calls run in a worker thread so a join never
    stalls the mixer clock on the same loop.
    """

    def __init__(
        self,
        store: Store,
        ice_servers: list[dict[str, str]],
        mixer_config: MixerConfig | None = None,
    ) -> None:
        self._store = store
        self._ice_servers = ice_servers
        self._mixer_config = mixer_config
        self._live: dict[int, LiveSession] = {}
        self._lock = asyncio.Lock()

    def find(self, session_id: int) -> LiveSession | None:
        return self._live.get(session_id)

    def all(self) -> list[LiveSession]:
        return list(self._live.values())

    async def get(self, session_id: int) -> LiveSession:
        """The live session, or ``SignalingError`` if it is not open."""
        async with self._lock:
            live = self._live.get(session_id)
            if live is not None:
                return live
            try:
                session = await asyncio.to_thread(self._store.get_session, session_id)
                sites = await asyncio.to_thread(self._store.roster_sites, session_id)
            except NotFound:
                raise SignalingError(ErrorCode.WRONG_SESSION) from None
            if session.state is SessionState.CLOSED:
                raise SignalingError(ErrorCode.SESSION_CLOSED)
            if session.state is not SessionState.OPEN:
                raise SignalingError(ErrorCode.SESSION_NOT_OPEN)
            conference = Conference(
                session.id,
                session.title,
                session.host_site_id,
                [RosterSite(s.id, s.name, str(s.level)) for s in sites],
                state=str(session.state),
            )
            live = LiveSession(conference, self._ice_servers, self._mixer_config)
            self._live[session_id] = live
            return live

    async def close(self, session_id: int, by: str) -> None:
        live = self._live.pop(session_id, None)
        if live is not None:
            await live.close(by)

    async def close_all(self) -> None:
        for session_id in list(self._live):
            await self.close(session_id, "shutdown")
