"""A live session's state machine: who is connected, who is muted, whether it has ended.

Invariants kept here, whatever order commands arrive in:
- only roster sites have a status; a command naming another site raises ``UnknownSite``;
- a muted site stays muted across leave and rejoin (an operator's decision outlives a
  hall PC's reboot);
- an event is emitted only for a real change, so consoles can log every event as news;
- a closed session accepts no command and emits nothing more.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum
from typing import TYPE_CHECKING

from bridge.conference.shown import DEFAULT_HOLD_S, ShownSite

if TYPE_CHECKING:
    from bridge.conference.commands import Command
    from bridge.conference.events import Event


class ConnectionState(StrEnum):
    OFFLINE = "offline"
    CONNECTING = "connecting"
    CONNECTED = "connected"


class ConferenceError(Exception):
    pass


class UnknownSite(ConferenceError):
    def __init__(self, site_id: int) -> None:
        super().__init__(f"site {site_id} is not on the roster")
        self.site_id = site_id


@dataclass(frozen=True)
class RosterSite:
    """What the domain needs to know of a roster site (from the store)."""

    id: int
    name: str
    level: str


@dataclass(frozen=True)
class SiteStatus:
    id: int
    name: str
    level: str
    host: bool
    state: ConnectionState = ConnectionState.OFFLINE
    muted: bool = False


class Conference:
    """One session's live state. Pure: ``handle`` returns the events a command causes."""

    def __init__(
        self,
        session_id: int,
        title: str,
        host_site_id: int,
        roster: list[RosterSite],
        state: str = "open",
        hold_s: float = DEFAULT_HOLD_S,
    ) -> None:
        self.session_id = session_id
        self.title = title
        self.host_site_id = host_site_id
        self.state = state
        self._sites: dict[int, SiteStatus] = {
            s.id: SiteStatus(s.id, s.name, s.level, host=s.id == host_site_id) for s in roster
        }
        self.shown = ShownSite(host_site_id, hold_s)

    def roster(self) -> list[SiteStatus]:
        """Every roster site, in roster order."""
        return list(self._sites.values())

    def site(self, site_id: int) -> SiteStatus:
        try:
            return self._sites[site_id]
        except KeyError:
            raise UnknownSite(site_id) from None

    def is_muted(self, site_id: int) -> bool:
        return self.site(site_id).muted

    @property
    def closed(self) -> bool:
        return self.state == "closed"

    def handle(self, command: Command) -> list[Event]:
        from bridge.conference import commands as c
        from bridge.conference.events import SessionChanged, ShownChanged

        if self.closed:
            return []
        match command:
            case c.Join(site_id):
                return self._update(site_id, state=ConnectionState.CONNECTING)
            case c.MediaConnected(site_id):
                return self._update(site_id, state=ConnectionState.CONNECTED)
            case c.MediaLost(site_id):
                if self.site(site_id).state is ConnectionState.OFFLINE:
                    return []
                return self._update(site_id, state=ConnectionState.CONNECTING)
            case c.Leave(site_id):
                return self._update(site_id, state=ConnectionState.OFFLINE)
            case c.Mute(site_id):
                return self._update(site_id, muted=True)
            case c.Unmute(site_id):
                return self._update(site_id, muted=False)
            case c.ShowSite(site_id):
                self.site(site_id)
                return [ShownChanged(self.shown.state)] if self.shown.show(site_id) else []
            case c.SetVoiceActivated(enabled, _, hold_s):
                changed = self.shown.set_voice_activated(enabled, hold_s)
                return [ShownChanged(self.shown.state)] if changed else []
            case c.DominantTalker(site_id, at):
                if site_id is not None and site_id not in self._sites:
                    return []
                return [ShownChanged(self.shown.state)] if self.shown.observe(at, site_id) else []
            case c.CloseSession():
                self.state = "closed"
                events: list[Event] = [SessionChanged("closed")]
                for site_id in self._sites:
                    events += self._update(site_id, state=ConnectionState.OFFLINE)
                return events
        raise TypeError(f"not a command: {command!r}")  # pragma: no cover

    def _update(self, site_id: int, **changes: object) -> list[Event]:
        from bridge.conference.events import SiteChanged

        before = self.site(site_id)
        after = replace(before, **changes)  # type: ignore[arg-type]
        if after == before:
            return []
        self._sites[site_id] = after
        return [SiteChanged(after)]
