"""A live session: the I/O shell around one ``Conference``.

It holds who is connected (one signaling participant and one peer per site, any number
of operator consoles), turns commands into the domain's events, applies them to the
mixer and the video forwarder, and sends them to everyone. In voice-activated mode it
feeds the mixer's dominant talker to the domain ten times a second. Everything here runs
on the event loop; nothing in it blocks, and every send goes through a participant's bounded outbox.
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
    DominantTalker,
    Event,
    FloorChanged,
    Join,
    Leave,
    MediaConnected,
    MediaLost,
    RemoveSite,
    RosterSite,
    SessionChanged,
    ShownChanged,
    ShownMode,
    SiteChanged,
    SitesChanged,
)
from bridge.conference.shown import DEFAULT_HOLD_S
from bridge.media.forwarder import VideoForwarder
from bridge.media.peer import SitePeer
from bridge.media.preview import ConsolePeer
from bridge.media.video_tap import count_codec_use
from bridge.mixer.core import MixerConfig
from bridge.mixer.mixer import EncodingConfig, Mixer
from bridge.signaling.errors import ErrorCode, SignalingError
from bridge.signaling.quality import QualityMonitor
from bridge.signaling.wire import (
    floor_message,
    session_entry,
    shown_message,
    site_entry,
    sites_message,
)
from bridge.store import NotFound, SessionState, Store

log = logging.getLogger(__name__)

METER_INTERVAL_S = 0.1  # 10 Hz: a meter needs no more, and 100 consoles x sites adds up
QUALITY_EVERY = 10  # meter ticks per `quality` message (1 Hz); each tick reads a tenth
VOICE_INTERVAL_S = 0.1  # how often the dominant talker is looked at in voice mode


class Participant(Protocol):
    def send(self, message: dict[str, object]) -> None: ...
    def close_with(self, error: SignalingError) -> None: ...


@dataclass
class _SiteLink:
    participant: Participant
    peer: SitePeer | None = None
    video_send: str | None = None  # the last `video` instruction sent to it


class LiveSession:
    def __init__(
        self,
        conference: Conference,
        ice_servers: list[dict[str, str]],
        mixer_config: MixerConfig | None = None,
        encoding: EncodingConfig | None = None,
    ) -> None:
        self.conference = conference
        self.ice_servers = ice_servers
        self.mixer = Mixer(mixer_config, encoding)
        self.forwarder = VideoForwarder()
        self._sites: dict[int, _SiteLink] = {}
        self._operators: set[Participant] = set()
        self._consoles: dict[Participant, ConsolePeer] = {}  # operators watching previews
        self._console_keys = 0
        self._meters: asyncio.Task[None] | None = None
        self._quality = QualityMonitor(QUALITY_EVERY)
        self._voice: asyncio.Task[None] | None = None

    # ---- snapshots -------------------------------------------------------------------

    def roster_message(self) -> dict[str, object]:
        return {
            "type": "roster",
            "session_id": self.conference.session_id,
            "sites": [site_entry(s) for s in self.conference.roster()],
        }

    def session_message(self) -> dict[str, object]:
        return {"type": "session", "session": session_entry(self.conference)}

    def shown_message(self) -> dict[str, object]:
        return shown_message(self.conference.shown.state)

    def floor_message(self) -> dict[str, object]:
        return floor_message(self.conference.floor)

    def welcome(self, site_id: int | None = None) -> None:
        """After ``joined``/``ready`` and ``roster``: who is shown, and (to a site) whether
        to send its camera."""
        if site_id is None:
            return
        link = self._sites.get(site_id)
        if link is not None:
            link.participant.send(self.shown_message())
            link.participant.send(self.floor_message())
            self._instruct(site_id, link)

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
            forwarder=self.forwarder,
        )
        link.peer = peer
        try:
            answer = await peer.answer(sdp)
        except Exception:
            if link.peer is peer:
                link.peer = None
            await peer.close()
            raise
        self._reroute()
        return answer

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

    async def remove(self, site_id: int, by: str) -> None:
        """An operator removes a site: the domain first (it refuses an unknown or offline
        site), then its connection is closed with ``removed``, before anyone is told, so
        the site hears the reason rather than its own departure."""
        self.conference.site(site_id)
        link = self._sites.get(site_id)
        if link is None:
            self._apply(RemoveSite(site_id, by))  # raises SiteOffline unless it is joined
            return
        del self._sites[site_id]
        link.participant.close_with(SignalingError(ErrorCode.REMOVED))
        self._apply(RemoveSite(site_id, by))
        if link.peer is not None:
            await link.peer.close()

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
        console = self._consoles.pop(participant, None)
        if console is not None:
            asyncio.get_running_loop().create_task(console.close())
            self._reroute()
        if not self._operators and self._meters is not None:
            self._meters.cancel()
            self._meters = None

    async def _send_meters(self) -> None:
        """Levels and talk state to consoles, at most 10 times a second (never to sites)."""
        ticks = 0
        while True:
            await asyncio.sleep(METER_INTERVAL_S)
            ticks += 1
            await self._send_quality(ticks % QUALITY_EVERY == 0)
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

    async def _send_quality(self, publish: bool) -> None:
        """Read a tenth of the sites' link statistics; once a second, tell the consoles."""
        peers = {site_id: link.peer for site_id, link in self._sites.items() if link.peer}
        try:
            await self._quality.read_some(peers)
        except Exception:  # never let statistics stop the meters
            log.exception("reading link quality failed")
        if not publish:
            return
        entries = self._quality.entries()
        if entries:
            message: dict[str, object] = {"type": "quality", "sites": entries}
            for operator in list(self._operators):
                operator.send(message)

    def command(self, command: Command) -> None:
        """An operator's command (mute, unmute, show, voice activation, close)."""
        self._apply(command)

    # ---- video -----------------------------------------------------------------------

    async def console_offer(self, participant: Participant, sdp: str) -> str:
        """An operator console asks for previews (one recvonly video m-line per roster
        site, in roster order); a console that offers again gets a fresh peer."""
        old = self._consoles.pop(participant, None)
        if old is not None:
            await old.close()
        self._console_keys += 1
        roster = [site.id for site in self.conference.roster()]
        console = ConsolePeer(-self._console_keys, roster, self.forwarder, self.ice_servers)
        try:
            answer = await console.answer(sdp)
        except Exception:
            await console.close()
            raise
        if participant not in self._operators:  # left while the answer was made
            await console.close()
            raise SignalingError(ErrorCode.REPLACED)
        self._consoles[participant] = console
        self._reroute()
        return answer

    async def console_candidate(
        self, participant: Participant, line: str, mid: str | None, index: int | None
    ) -> None:
        console = self._consoles.get(participant)
        if console is not None:
            await console.add_candidate(line, mid, index)

    def _reroute(self) -> None:
        """Point every viewer at the source the domain says it sees, and tell each site
        whether its camera is needed: only the shown site and the one the shown site sees
        send in full; the others pause their uplink (poor links) until they are shown, or,
        while an operator console watches previews, send only a small, slow stream."""
        shown = self.conference.shown
        for site_id in self._sites:
            self.forwarder.route(site_id, shown.source_for(site_id))
        for site_id, link in self._sites.items():
            self._instruct(site_id, link)

    def _instruct(self, site_id: int, link: _SiteLink) -> None:
        shown = self.conference.shown
        needed = site_id == shown.site_id or site_id == shown.source_for(shown.site_id)
        send = "full" if needed else "preview" if self._consoles else "off"
        if link.video_send != send:
            link.video_send = send
            link.participant.send({"type": "video", "send": send})

    def _follow_voice(self) -> None:
        if self._voice is None:
            self._voice = asyncio.get_running_loop().create_task(self._voice_loop())

    async def _voice_loop(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(VOICE_INTERVAL_S)
            if self.conference.shown.mode is ShownMode.VOICE:
                self._apply(DominantTalker(self.mixer.dominant(), loop.time()))

    def video_metrics(self) -> dict[str, object]:
        counts = count_codec_use()
        return {**self.forwarder.metrics(), "encodes": counts.encodes, "decodes": counts.decodes}

    # ---- events ----------------------------------------------------------------------

    def _apply(self, command: Command) -> None:
        for event in self.conference.handle(command):
            self._effect(event)
            self._broadcast(_message(event, self.conference))

    def _effect(self, event: Event) -> None:
        if isinstance(event, SiteChanged):
            self.mixer.set_muted(event.site.id, event.site.muted)
        elif isinstance(event, SitesChanged):
            for site in event.sites:
                self.mixer.set_muted(site.id, site.muted)
        elif isinstance(event, ShownChanged):
            self._reroute()
            if event.shown.mode is ShownMode.VOICE:
                self._follow_voice()

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
        if self._voice is not None:
            self._voice.cancel()
            self._voice = None
        for console in list(self._consoles.values()):
            await console.close()
        self._consoles.clear()
        self.forwarder.close()
        await self.mixer.close()


def _message(event: Event, conference: Conference) -> dict[str, object]:
    if isinstance(event, SiteChanged):
        return {"type": "site", "site": site_entry(event.site)}
    if isinstance(event, SitesChanged):
        return sites_message(event.sites)
    if isinstance(event, FloorChanged):
        return floor_message(event.site_id)
    if isinstance(event, SessionChanged):
        return {"type": "session", "session": session_entry(conference)}
    if isinstance(event, ShownChanged):
        return shown_message(event.shown)
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
        voice_hold_s: float = DEFAULT_HOLD_S,
        encoding: EncodingConfig | None = None,
    ) -> None:
        self._store = store
        self._ice_servers = ice_servers
        self._mixer_config = mixer_config
        self._encoding = encoding
        self._voice_hold_s = voice_hold_s
        count_codec_use()
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
                hold_s=self._voice_hold_s,
            )
            live = LiveSession(conference, self._ice_servers, self._mixer_config, self._encoding)
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
                    session = await asyncio.to_thread(self._store.get_session, session_id)
                except NotFound:
                    closed = True
                except Exception:  # a busy or unreadable store: try again next time
                    log.exception("checking session %s in the store failed", session_id)
                    continue
                else:
                    closed = session.state is SessionState.CLOSED
                if closed:
                    await self.close(session_id, "bridge")
