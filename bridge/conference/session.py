"""A live session's state machine: who is connected, who is muted, whether it has ended.

Invariants kept here, whatever order commands arrive in:
- only roster sites have a status; a command naming another site raises ``UnknownSite``;
- a muted site stays muted across leave and rejoin (an operator's decision outlives a
  hall PC's reboot);
- an event is emitted only for a real change, so consoles can log every event as news;
- a closed session accepts no command and emits nothing more;
- a raised hand has a sequence number that only grows, so "who asked first" is the smallest;
  a hand is lowered when the site gets the floor, leaves, or is removed;
- the floor holder is never muted: muting it (alone or with "mute all except host") ends its
  floor. Giving the floor to another site leaves the previous holder's microphone as it was
  (a briefing passes the floor, and the previous speaker often answers a question); the
  floor outlives a dropped connection, like a mute, but not a removal;
- only a site that is joined (not offline) can be given the floor or removed;
- the roster changes only by ``AddToRoster`` (the new site last, offline) and
  ``RemoveFromRoster`` (never the host; a joined site is removed first, then its hand, its
  floor and its place on the screen go with it, and nothing of it is kept);
- the session is being recorded or not (``SetRecording``); closing it stops the recording
  first, so the file ends before the halls are dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from bridge.conference.shown import DEFAULT_HOLD_S, ShownSite
from bridge.conference.snapshot import ConferenceSnapshot, SiteSnapshot

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


class SiteOffline(ConferenceError):
    """The command needs the site to be joined (give the floor, remove)."""

    def __init__(self, site_id: int) -> None:
        super().__init__(f"site {site_id} is not connected")
        self.site_id = site_id


class HostSite(ConferenceError):
    """The host chairs the session: it cannot be taken off the roster."""

    def __init__(self, site_id: int) -> None:
        super().__init__(f"site {site_id} is the host")
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
    hand_seq: int | None = None  # raised hand's place in the queue (smaller: asked first)
    removed: bool = False  # removed by an operator, until it joins again

    @property
    def hand_raised(self) -> bool:
        return self.hand_seq is not None


_CAMEL = re.compile(r"(?<!^)(?=[A-Z])")


def command_name(command: object) -> str:
    """``MuteAllExceptHost(...)`` → ``"mute_all_except_host"``: the cause named in events and
    in the audit log."""
    return _CAMEL.sub("_", type(command).__name__).lower()


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
        self.floor: int | None = None  # the site that has the floor
        self._hands = 0  # the last hand's sequence number
        # Hands restored after a restart, held back until their (offline) site joins again.
        self._held_hands: dict[int, int] = {}
        # Recording (bridge/live/recording.py writes the file): on or off, and since when
        # (the time of the command that turned it on; None after a restart until the live
        # shell starts a new file).
        self.recording = False
        self.recording_since: datetime | None = None
        self._at: datetime | None = None  # the time of the command being handled

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

    def hands(self) -> list[SiteStatus]:
        """Sites with a raised hand, who asked first first."""
        raised = [s for s in self._sites.values() if s.hand_seq is not None]
        return sorted(raised, key=lambda s: s.hand_seq or 0)

    @property
    def closed(self) -> bool:
        return self.state == "closed"

    def opened(self) -> None:
        """A session live for its test window (``scheduled``) has been opened."""
        if self.state == "scheduled":
            self.state = "open"

    def handle(self, command: Command, at: datetime | None = None) -> list[Event]:
        """The events ``command`` causes, each stamped with who caused it, when (``at``,
        given by the caller: the domain reads no clock) and the command's name."""
        from bridge.conference.events import EPOCH

        when = at or EPOCH
        self._at = when
        events = self._handle(command)
        if not events:
            return events
        by = command.by or f"site:{getattr(command, 'site_id', '?')}"
        cause = command_name(command)
        return [replace(e, by=by, at=when, cause=cause) for e in events]

    def _handle(self, command: Command) -> list[Event]:
        from bridge.conference import commands as c
        from bridge.conference.events import ShownChanged

        if self.closed:
            return []
        match command:
            case c.Join(site_id):
                held = self._held_hands.pop(site_id, None)
                rejoin = {} if held is None else {"hand_seq": held}
                return self._update(
                    site_id, state=ConnectionState.CONNECTING, removed=False, **rejoin
                )
            case c.MediaConnected(site_id):
                if self.site(site_id).state is ConnectionState.OFFLINE:
                    return []  # a late word from a peer that was already dropped
                return self._update(site_id, state=ConnectionState.CONNECTED) + self._host_view()
            case c.MediaLost(site_id):
                if self.site(site_id).state is ConnectionState.OFFLINE:
                    return []
                return self._update(site_id, state=ConnectionState.CONNECTING)
            case c.Leave(site_id):
                events = self._update(site_id, state=ConnectionState.OFFLINE, hand_seq=None)
                return events + self._host_view()
            case c.Mute(site_id):
                events = self._update(site_id, muted=True)
                if self.floor == site_id:
                    events += self._set_floor(None)
                return events + self._step_down([site_id])
            case c.Unmute(site_id):
                return self._update(site_id, muted=False)
            case c.ShowSite(site_id):
                if self.site(site_id).state is ConnectionState.OFFLINE:
                    # Everyone would watch a frozen or black picture captioned with its name.
                    raise SiteOffline(site_id)
                changed = self.shown.show(site_id)
                return ([ShownChanged(self.shown.state)] if changed else []) + self._host_view()
            case c.SetVoiceActivated(enabled, _, hold_s):
                changed = self.shown.set_voice_activated(enabled, hold_s)
                return [ShownChanged(self.shown.state)] if changed else []
            case c.DominantTalker(site_id, at):
                if site_id is not None and site_id not in self._sites:
                    return []
                if site_id is not None and self._sites[site_id].muted:
                    site_id = None  # a muted hall is never shown for its voice
                return [ShownChanged(self.shown.state)] if self.shown.observe(at, site_id) else []
            case c.RaiseHand(site_id):
                site = self.site(site_id)
                if site.hand_seq is not None or site.state is ConnectionState.OFFLINE:
                    return []  # already in the queue keeps its place; offline cannot ask
                if self.floor == site_id:
                    return []  # it has the floor already
                self._hands += 1
                return self._update(site_id, hand_seq=self._hands)
            case c.LowerHand(site_id):
                self._held_hands.pop(site_id, None)
                return self._update(site_id, hand_seq=None)
            case c.GiveFloor(site_id):
                return self._give_floor(site_id)
            case c.MuteAllExceptHost():
                events = self._update_many(
                    {s.id: {"muted": True} for s in self._sites.values() if not s.host}
                )
                if self.floor is not None and self.floor != self.host_site_id:
                    events += self._set_floor(None)
                return events + self._step_down([s for s in self._sites if s != self.host_site_id])
            case c.UnmuteAll():
                return self._update_many({s.id: {"muted": False} for s in self._sites.values()})
            case c.RemoveSite(site_id):
                return self._remove(site_id)
            case c.AddToRoster(site):
                return self._add_to_roster(site)
            case c.RemoveFromRoster(site_id):
                return self._remove_from_roster(site_id)
            case c.SetRecording(on):
                return self._set_recording(on)
            case c.CloseSession():
                return self._close()
        raise TypeError(f"not a command: {command!r}")  # pragma: no cover

    # ---- surviving a restart (bridge/conference/snapshot.py) ---------------------------

    def snapshot(self) -> ConferenceSnapshot:
        """What a restarted bridge takes up again (no connection states, no voice hold in
        progress); a hand held back since a restore is still a hand."""
        return ConferenceSnapshot(
            sites=tuple(
                SiteSnapshot(
                    s.id,
                    s.muted,
                    s.hand_seq if s.hand_seq is not None else self._held_hands.get(s.id),
                    s.removed,
                )
                for s in self._sites.values()
            ),
            hands=self._hands,
            floor=self.floor,
            shown=self.shown.state,
            recording=self.recording,
        )

    def restore(self, snapshot: ConferenceSnapshot) -> None:
        """Take up ``snapshot`` in a fresh conference (every site offline): mutes, removals,
        the floor, the shown site and mode at once; raised hands once their site joins
        again, in their old places. What no longer fits the roster is left out: a site
        that left it, a floor or shown site that is not on it (the host is shown)."""
        self._held_hands = {}
        for saved in snapshot.sites:
            site = self._sites.get(saved.id)
            if site is None or site.state is not ConnectionState.OFFLINE:
                continue
            self._sites[saved.id] = replace(site, muted=saved.muted, removed=saved.removed)
            if saved.hand_seq is not None and saved.id != snapshot.floor:
                self._held_hands[saved.id] = saved.hand_seq
        self._hands = max([snapshot.hands, *self._held_hands.values()])
        # A recording that was on goes on, in a new file (the old one ended with the process):
        # since when is the live shell's to say once it writes again.
        self.recording = snapshot.recording
        self.recording_since = None
        floor = snapshot.floor
        self.floor = floor if floor in self._sites and not self.is_muted(floor) else None
        shown = snapshot.shown
        self.shown.restore(
            replace(
                shown,
                site_id=shown.site_id if shown.site_id in self._sites else self.host_site_id,
                previous=shown.previous if shown.previous in self._sites else None,
            )
        )

    def _give_floor(self, site_id: int) -> list[Event]:
        from bridge.conference.events import ShownChanged

        if self.site(site_id).state is ConnectionState.OFFLINE:
            raise SiteOffline(site_id)
        events = self._update(site_id, muted=False, hand_seq=None)
        if self.shown.show(site_id):
            events.append(ShownChanged(self.shown.state))
        return events + self._set_floor(site_id)

    def _remove(self, site_id: int) -> list[Event]:
        from bridge.conference.events import ShownChanged

        if self.site(site_id).state is ConnectionState.OFFLINE:
            raise SiteOffline(site_id)
        events = self._update(site_id, state=ConnectionState.OFFLINE, hand_seq=None, removed=True)
        if self.floor == site_id:
            events += self._set_floor(None)
        if self.shown.withdraw(site_id):
            events.append(ShownChanged(self.shown.state))
        return events + self._host_view()

    def _add_to_roster(self, site: RosterSite) -> list[Event]:
        from bridge.conference.events import RosterChanged

        if site.id in self._sites:
            return []  # on it already (the live session was built from the store since)
        self._sites[site.id] = SiteStatus(site.id, site.name, site.level, host=False)
        return [RosterChanged(tuple(self._sites.values()), site.id, added=True)]

    def _remove_from_roster(self, site_id: int) -> list[Event]:
        from bridge.conference.events import RosterChanged, ShownChanged

        site = self.site(site_id)
        if site.host:
            raise HostSite(site_id)
        events: list[Event] = []
        if site.state is not ConnectionState.OFFLINE:
            events += self._remove(site_id)
        elif self.floor == site_id:  # the floor outlives a dropped connection, not this
            events += self._set_floor(None)
        del self._sites[site_id]
        self._held_hands.pop(site_id, None)
        if self.shown.drop(site_id):
            events.append(ShownChanged(self.shown.state))
        events.append(RosterChanged(tuple(self._sites.values()), site_id, added=False))
        return events + self._host_view()

    def _step_down(self, muted: list[int]) -> list[Event]:
        """In voice mode a shown site that was just muted gives way (``ShownSite.step_down``)."""
        from bridge.conference.events import ShownChanged

        changed = False
        for site_id in muted:
            changed |= self.shown.step_down(site_id)
        return [ShownChanged(self.shown.state)] if changed else []

    def _host_view(self) -> list[Event]:
        """While the host is shown and sees nothing (or a hall that left), offer it the first
        connected hall of the roster, so the chairing hall never watches a black picture."""
        from bridge.conference.events import ShownChanged

        if self.shown.site_id != self.host_site_id:
            return []
        previous = self.shown.previous
        if previous is not None and self._sites[previous].state is not ConnectionState.OFFLINE:
            return []
        pick = next(
            (
                s.id
                for s in self._sites.values()
                if not s.host and s.state is ConnectionState.CONNECTED
            ),
            None,
        )
        if pick is None or not self.shown.offer_host_view(pick):
            return []
        return [ShownChanged(self.shown.state)]

    def _set_recording(self, on: bool) -> list[Event]:
        from bridge.conference.events import RecordingChanged

        if on == self.recording:
            return []
        self.recording = on
        self.recording_since = self._at if on else None
        return [RecordingChanged(on)]

    def _close(self) -> list[Event]:
        from bridge.conference.events import SessionChanged

        events: list[Event] = self._set_recording(False)  # the file ends first
        self.state = "closed"
        events.append(SessionChanged("closed"))
        return events + self._update_many(
            {s: {"state": ConnectionState.OFFLINE, "hand_seq": None} for s in self._sites}
        )

    def _set_floor(self, site_id: int | None) -> list[Event]:
        from bridge.conference.events import FloorChanged

        if site_id == self.floor:
            return []
        self.floor = site_id
        return [FloorChanged(site_id)]

    def _update_many(self, changes: dict[int, dict[str, object]]) -> list[Event]:
        """Apply changes to several sites; one batch event with those that really changed."""
        from bridge.conference.events import SitesChanged

        changed = []
        for site_id, change in changes.items():
            before = self._sites[site_id]
            after = replace(before, **change)  # type: ignore[arg-type]
            if after != before:
                self._sites[site_id] = after
                changed.append(after)
        return [SitesChanged(tuple(changed))] if changed else []

    def _update(self, site_id: int, **changes: object) -> list[Event]:
        from bridge.conference.events import SiteChanged

        before = self.site(site_id)
        after = replace(before, **changes)  # type: ignore[arg-type]
        if after == before:
            return []
        self._sites[site_id] = after
        return [SiteChanged(after)]
