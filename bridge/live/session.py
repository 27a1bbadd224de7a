"""A live session: the thin shell around one ``Conference``.

Like a protocol object under its connection: a command goes to the domain, and each event
the domain returns goes to the effect handlers registered on the session — the media's
(mute in the mixer, re-route the video and tell each site what to send) first, then
whatever the layers above registered (the broadcast to sites and consoles, the audit
log). The session holds who is connected (one participant and one transport per site, any
number of consoles) and is given its media side; it builds none of it, so it runs in
process with fakes. Everything here runs on the event loop; nothing blocks, and every send
goes through a participant's bounded outbox.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Protocol

from bridge.conference import (
    AddToRoster,
    CloseSession,
    Command,
    Conference,
    DominantTalker,
    HostSite,
    Join,
    Leave,
    MediaConnected,
    MediaLost,
    RemoveFromRoster,
    RemoveSite,
    RosterSite,
    ShownChanged,
    ShownMode,
    SiteChanged,
    SitesChanged,
)
from bridge.conference.video import VideoSend, video_send
from bridge.live.connection_test import ConnectionTest, ConnectionTests, TestRefused, Wanted
from bridge.live.devices import HallDevices
from bridge.live.effects import Effects
from bridge.live.grid import GridViewers
from bridge.live.media import MediaSide, Transport
from bridge.profiles.schema import Profile

log = logging.getLogger(__name__)

METER_INTERVAL_S = 0.1  # 10 Hz: a meter needs no more, and 100 consoles x sites adds up
QUALITY_EVERY = 10  # meter ticks per published quality round (1 Hz)
VOICE_INTERVAL_S = 0.1  # how often the dominant talker is looked at in voice mode


class Ending(StrEnum):
    """Why the session ends a participant's connection (the protocol's error codes)."""

    REPLACED = "replaced"
    REMOVED = "removed"
    SESSION_CLOSED = "session_closed"


class Replaced(Exception):
    """The participant's connection was replaced by a newer one of the same site (or the
    console left while its answer was being made)."""


class Participant(Protocol):
    """A site's or a console's signaling connection, as the live session sees it."""

    def send(self, message: Mapping[str, Any]) -> None: ...
    def end(self, reason: Ending) -> None: ...
    def video(self, send: VideoSend) -> None: ...


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class _SiteLink:
    participant: Participant
    transport: Transport | None = None
    video_send: VideoSend | None = None  # the last instruction sent to it


Feed = Callable[[Any], None]


class LiveSession:
    def __init__(
        self,
        conference: Conference,
        media: MediaSide,
        ice_servers: list[dict[str, str]],
        now: Callable[[], datetime] = utc_now,
    ) -> None:
        self.conference = conference
        self.media = media
        self.ice_servers = ice_servers
        self.effects = Effects()
        self._now = now
        self._sites: dict[int, _SiteLink] = {}
        self._operators: list[Participant] = []  # in arrival order
        self._consoles: dict[Participant, Transport] = {}  # consoles watching previews
        self._console_keys = 0
        self._meters: asyncio.Task[None] | None = None
        self._voice: asyncio.Task[None] | None = None
        self.meter_feeds: list[Feed] = []  # called with the mixer's meters, 10 Hz
        self.quality_feeds: list[Feed] = []  # called with link quality entries, 1 Hz
        # Issue 14: a quality log records the links whether or not a console watches, so
        # the meters' round runs from the first hall (``watch_quality``) to the close.
        self._quality_watched = False
        # The halls' hardware profiles, what they applied and their devices' health.
        self.devices = HallDevices([site.id for site in conference.roster()], media)
        # The media's own effects come first: the mix and the routes change before anyone
        # is told.
        self.effects.on(SiteChanged, handler=self._mute_one)
        self.effects.on(SitesChanged, handler=self._mute_many)
        self.effects.on(ShownChanged, handler=self._shown_changed)
        # The halls' insets and grids: re-routed after the main pictures, before the news.
        self.grid = GridViewers(self)
        # The halls' connection tests: a hall under test sends its camera full size.
        self.tests = ConnectionTests()
        self.tests.on_start.append(self._test_started)
        self.tests.on_result.append(self._test_finished)

    # ---- who is here -----------------------------------------------------------------

    def participants(self) -> Iterator[Participant]:
        """Every connected site and console (the broadcast's audience)."""
        for link in self._sites.values():
            yield link.participant
        yield from self._operators

    def consoles(self) -> list[Participant]:
        return list(self._operators)

    def halls(self) -> list[Participant]:
        """Every connected site's participant (the halls' part of the audience)."""
        return [link.participant for link in self._sites.values()]

    def site_participant(self, site_id: int) -> Participant | None:
        link = self._sites.get(site_id)
        return link.participant if link is not None else None

    @property
    def previews_watched(self) -> bool:
        """A console watches the previews, or a hall's grid shows them."""
        return bool(self._consoles) or self.grid.watching

    @property
    def empty(self) -> bool:
        return not self._sites and not self._operators

    # ---- commands --------------------------------------------------------------------

    def command(self, command: Command) -> None:
        """Feed a command to the domain; hand each event to the effect handlers."""
        for event in self.conference.handle(command, self._now()):
            self.effects.dispatch(event)

    # ---- sites -----------------------------------------------------------------------

    def attach_site(self, site_id: int, participant: Participant, by: str = "") -> None:
        """A site's join was accepted; an older connection of the same site is replaced."""
        old = self._sites.pop(site_id, None)
        if old is not None:
            self.tests.cancel(site_id, "replaced")
            self.devices.left(site_id, old.participant)
            self.grid.drop(site_id)
            old.participant.end(Ending.REPLACED)
            if old.transport is not None:
                asyncio.get_running_loop().create_task(old.transport.close())
            self.command(Leave(site_id, by))
        # The others hear of the join now; the joining site learns its state from the
        # replies to its join, so it is registered after the event.
        self.command(Join(site_id, by))
        self._sites[site_id] = _SiteLink(participant)

    def welcome(self, site_id: int) -> None:
        """After a site's join replies: whether to send its camera, and its profile."""
        link = self._sites.get(site_id)
        if link is not None:
            self._instruct(site_id, link)
            self.devices.joined(site_id, link.participant)

    # ---- connection tests --------------------------------------------------------------

    def start_test(self, site_id: int, source: str, by: str, *, forced: bool = False) -> None:
        """Run the hall's connection test now (bridge/live/connection_test.py);
        ``TestRefused`` if the hall is not here, is under test, or tested a moment ago."""
        link = self._sites.get(site_id)
        if link is None:
            raise TestRefused("site_offline")
        camera = self.devices.desired(site_id).camera
        wanted = Wanted(camera.width, camera.height, float(camera.frame_rate))
        turn = any(
            "turn:" in str(s.get("urls")) or "turns:" in str(s.get("urls"))
            for s in self.ice_servers
        )
        probe = self.media.probe(site_id) if link.transport is not None else None
        test = ConnectionTest(site_id, link.participant, probe, wanted, source, by, turn)
        self.tests.start(test, forced=forced)

    def connected_sites(self) -> list[int]:
        """The halls here now, in roster order."""
        return [site.id for site in self.conference.roster() if site.id in self._sites]

    def _test_started(self, test: ConnectionTest) -> None:
        self._retest_video(test.site_id)

    def _test_finished(self, result: Mapping[str, Any]) -> None:
        self._retest_video(int(result["site_id"]))

    def _retest_video(self, site_id: int) -> None:
        link = self._sites.get(site_id)
        if link is not None:
            self._instruct(site_id, link)

    def desired_profile(self, site_id: int) -> Profile:
        """The hardware profile the hall should have (its effective one)."""
        return self.devices.desired(site_id)

    def set_profiles(self, profiles: Mapping[int, Profile]) -> list[int]:
        """The halls' effective profiles, resolved anew: those that changed are sent to
        their hall at once (if it is connected) and to its mixer slot. Returns them."""
        changed = self.devices.set_desired(profiles)
        if changed:
            self.grid.update()  # a hall's layout, or the number of its cells, may be new
        return changed

    async def offer(self, site_id: int, participant: Participant, sdp: str) -> str:
        """Answer a site's offer with a fresh transport (a renegotiating site gets a new
        one)."""
        link = self._current(site_id, participant)
        if link.transport is not None:
            old, link.transport = link.transport, None
            await old.close()

        def on_state(state: str) -> None:
            self._on_media_state(site_id, transport, state)

        transport = self.media.site_transport(
            site_id, on_state, muted=self.conference.is_muted(site_id)
        )
        link.transport = transport
        try:
            answer = await transport.answer(sdp)
        except Exception:
            if link.transport is transport:
                link.transport = None
            await transport.close()
            raise
        self._reroute()
        return answer

    async def candidate(
        self, site_id: int, participant: Participant, line: str, mid: str | None, index: int | None
    ) -> None:
        link = self._current(site_id, participant)
        if link.transport is not None:
            await link.transport.add_candidate(line, mid, index)

    async def detach_site(self, site_id: int, participant: Participant, by: str = "") -> None:
        """The site left or its connection dropped (ignored if it was already replaced)."""
        link = self._sites.get(site_id)
        if link is None or link.participant is not participant:
            return
        del self._sites[site_id]
        self.tests.cancel(site_id, "left")
        self.devices.left(site_id, participant)
        self.grid.drop(site_id)
        if link.transport is not None:
            await link.transport.close()
        self.command(Leave(site_id, by))

    async def remove(self, site_id: int, by: str) -> None:
        """Remove a site: the domain first (it refuses an unknown or offline site), then
        its connection is closed with ``removed`` before anyone is told, so the site hears
        the reason rather than its own departure."""
        self.conference.site(site_id)
        link = self._sites.get(site_id)
        if link is None:
            self.command(RemoveSite(site_id, by))  # raises SiteOffline unless it is joined
            return
        del self._sites[site_id]
        self.tests.cancel(site_id, "removed")
        self.devices.left(site_id, link.participant)
        self.grid.drop(site_id)
        link.participant.end(Ending.REMOVED)
        self.command(RemoveSite(site_id, by))
        if link.transport is not None:
            await link.transport.close()

    # ---- the roster (docs/office.md, "Rosters") ---------------------------------------

    def add_to_roster(self, site: RosterSite, by: str) -> bool:
        """Put a site on the roster of the live session: everyone is sent the new roster
        (a console draws the hall at once, and renegotiates its previews for it) and the
        hall may join at once. False if it was on it already."""
        if any(s.id == site.id for s in self.conference.roster()):
            return False
        self.devices.add(site.id)
        self.command(AddToRoster(site, by))
        return True

    async def remove_from_roster(self, site_id: int, by: str) -> None:
        """Take a site off the roster: a connected hall is removed first, by the removal
        path (it hears ``removed``, its connection and media are closed, the others are
        told), then the domain drops it and everyone is sent the new roster. The host
        (``HostSite``) and a site not on the roster (``UnknownSite``) are refused before
        anything is done."""
        if self.conference.site(site_id).host:
            raise HostSite(site_id)
        if site_id in self._sites:
            await self.remove(site_id, by)
        self.command(RemoveFromRoster(site_id, by))
        self.devices.drop(site_id)

    def _current(self, site_id: int, participant: Participant) -> _SiteLink:
        link = self._sites.get(site_id)
        if link is None or link.participant is not participant:
            raise Replaced()
        return link

    def _on_media_state(self, site_id: int, transport: Transport, state: str) -> None:
        link = self._sites.get(site_id)
        if link is None or link.transport is not transport:
            return  # a replaced transport's last words
        if state == "connected":
            self.command(MediaConnected(site_id))
        elif state in ("failed", "closed"):
            self.command(MediaLost(site_id))

    # ---- consoles --------------------------------------------------------------------

    def attach_operator(self, participant: Participant) -> None:
        if participant not in self._operators:
            self._operators.append(participant)
        self._start_meters()

    def watch_quality(self) -> None:
        """Read the links' quality for ``quality_feeds`` even with no console attached."""
        self._quality_watched = True
        self._start_meters()

    def _start_meters(self) -> None:
        if self._meters is None and not self.conference.closed:
            self._meters = asyncio.get_running_loop().create_task(self._send_meters())

    def detach_operator(self, participant: Participant) -> None:
        if participant in self._operators:
            self._operators.remove(participant)
        console = self._consoles.pop(participant, None)
        if console is not None:
            asyncio.get_running_loop().create_task(console.close())
            self._reroute()
        if not self._operators and self._meters is not None and not self._quality_watched:
            self._meters.cancel()
            self._meters = None

    async def console_offer(self, participant: Participant, sdp: str) -> str:
        """A console asks for previews (one recvonly video m-line per roster site, in
        roster order); a console that offers again gets a fresh transport."""
        old = self._consoles.pop(participant, None)
        if old is not None:
            await old.close()
        self._console_keys += 1
        roster = [site.id for site in self.conference.roster()]
        console = self.media.console_transport(-self._console_keys, roster)
        try:
            answer = await console.answer(sdp)
        except Exception:
            await console.close()
            raise
        if participant not in self._operators:  # left while the answer was made
            await console.close()
            raise Replaced()
        self._consoles[participant] = console
        self._reroute()
        return answer

    async def console_candidate(
        self, participant: Participant, line: str, mid: str | None, index: int | None
    ) -> None:
        console = self._consoles.get(participant)
        if console is not None:
            await console.add_candidate(line, mid, index)

    async def _send_meters(self) -> None:
        """Levels and talk state to consoles, at most 10 times a second (never to sites);
        a tenth of the link statistics read each time, published once a second."""
        ticks = 0
        while True:
            await asyncio.sleep(METER_INTERVAL_S)
            ticks += 1
            changed = await self.media.sample_quality()  # a hall's "no media" goes out at once
            meters = self.media.meters()
            if ticks % QUALITY_EVERY == 0 or changed:
                entries = self.media.quality()
                if entries:
                    for feed in self.quality_feeds:
                        feed(entries)
            if ticks % QUALITY_EVERY == 0:
                self.devices.tick(meters)
            if meters:
                for feed in self.meter_feeds:
                    feed(meters)

    # ---- media effects ---------------------------------------------------------------

    def _mute_one(self, event: SiteChanged) -> None:
        self.media.set_muted(event.site.id, event.site.muted)

    def _mute_many(self, event: SitesChanged) -> None:
        for site in event.sites:
            self.media.set_muted(site.id, site.muted)

    def _shown_changed(self, event: ShownChanged) -> None:
        self._reroute()
        if event.shown.mode is ShownMode.VOICE and self._voice is None:
            self._voice = asyncio.get_running_loop().create_task(self._voice_loop())

    def _reroute(self) -> None:
        """Point every viewer at the source the domain says it sees, and tell each site
        what to send (``bridge.conference.video``)."""
        shown = self.conference.shown
        for site_id in self._sites:
            self.media.route(site_id, shown.source_for(site_id))
        self.reinstruct()

    def reinstruct(self) -> None:
        """Tell each site what to send, where that changed (who watches previews did)."""
        for site_id, link in self._sites.items():
            self._instruct(site_id, link)

    def _instruct(self, site_id: int, link: _SiteLink) -> None:
        send = video_send(site_id, self.conference.shown, self.previews_watched)
        if site_id in self.tests.running:
            send = VideoSend.FULL  # the test measures the camera the profile asks for
        if link.video_send is not send:
            link.video_send = send
            link.participant.video(send)

    async def _voice_loop(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(VOICE_INTERVAL_S)
            if self.conference.shown.mode is ShownMode.VOICE:
                self.command(DominantTalker(self.media.dominant(), loop.time()))

    # ---- the end ---------------------------------------------------------------------

    async def close(self, by: str = "system") -> None:
        """End the session: tell everyone, drop every transport, stop the media."""
        self.command(CloseSession(by))
        await self.tests.close()
        links = list(self._sites.values())
        self._sites.clear()
        for link in links:
            link.participant.end(Ending.SESSION_CLOSED)
            if link.transport is not None:
                await link.transport.close()
        for operator in list(self._operators):
            operator.end(Ending.SESSION_CLOSED)
            self.detach_operator(operator)
        if self._voice is not None:
            self._voice.cancel()
            self._voice = None
        for console in list(self._consoles.values()):
            await console.close()
        self._consoles.clear()
        if self._meters is not None:
            self._meters.cancel()
            self._meters = None
        await self.grid.close_all()
        await self.media.close()
