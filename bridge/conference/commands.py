"""Everything that can happen to a live session, as plain values.

Every command says who caused it (``by``: a principal such as ``account:thu.ky`` or
``site:3``); the events it causes carry that and the time it was handled, so an audit log
and attendance can be built from the event stream alone. A site's own commands leave
``by`` empty and the domain fills in ``site:<id>``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bridge.conference.session import RosterSite


@dataclass(frozen=True)
class Join:
    """A site's signaling connection was accepted; its media is being set up."""

    site_id: int
    by: str = ""  # the site itself unless said otherwise


@dataclass(frozen=True)
class MediaConnected:
    """The site's peer connection reached ``connected``."""

    site_id: int
    by: str = ""  # the site itself unless said otherwise


@dataclass(frozen=True)
class MediaLost:
    """The site's peer connection failed or closed while the site was still joined."""

    site_id: int
    by: str = ""  # the site itself unless said otherwise


@dataclass(frozen=True)
class Leave:
    """The site left, or its connection dropped."""

    site_id: int
    by: str = ""  # the site itself unless said otherwise


@dataclass(frozen=True)
class Mute:
    site_id: int
    by: str


@dataclass(frozen=True)
class Unmute:
    site_id: int
    by: str


@dataclass(frozen=True)
class CloseSession:
    by: str


@dataclass(frozen=True)
class ShowSite:
    """The operator picks the shown site (voice activation, if on, is turned off)."""

    site_id: int
    by: str


@dataclass(frozen=True)
class SetVoiceActivated:
    """Turn voice-activated switching on or off; ``hold_s`` (if given) is the new hold time."""

    enabled: bool
    by: str
    hold_s: float | None = None


@dataclass(frozen=True)
class RaiseHand:
    """A site asks to speak (from its own page); its place in the queue is kept."""

    site_id: int
    by: str = ""  # the site itself unless said otherwise


@dataclass(frozen=True)
class LowerHand:
    """The site withdraws its request, or an operator (``by``) lowers it."""

    site_id: int
    by: str


@dataclass(frozen=True)
class GiveFloor:
    """The operator gives the floor: the site is unmuted, its hand lowered, and it is shown
    (manual mode). The previous holder keeps its microphone as it was."""

    site_id: int
    by: str


@dataclass(frozen=True)
class MuteAllExceptHost:
    """Every site but the host is muted (one batch of changes)."""

    by: str


@dataclass(frozen=True)
class UnmuteAll:
    """Every muted site, the host included, is unmuted (one batch of changes)."""

    by: str


@dataclass(frozen=True)
class RemoveSite:
    """The operator removes a connected site from the session (its connection is closed)."""

    site_id: int
    by: str


@dataclass(frozen=True)
class DominantTalker:
    """The mixer's loudest talking site (None: nobody talks) at ``at`` seconds."""

    site_id: int | None
    at: float
    by: str = "voice"


# Roster ownership (the organiser, the office, an admin: docs/office.md, "Rosters").


@dataclass(frozen=True)
class AddToRoster:
    """A site is put on the roster of the live session, last (the store's order): it can
    join at once."""

    site: RosterSite
    by: str


@dataclass(frozen=True)
class RemoveFromRoster:
    """A site is taken off the roster: a joined one is removed first (as ``RemoveSite``),
    then every trace of it goes — its hand, its floor, its place on the screen. The host,
    who chairs, cannot be taken off."""

    site_id: int
    by: str


@dataclass(frozen=True)
class SetRecording:
    """Start (``on``) or stop recording the session: the shared mix and the shown site's
    video go into one file (bridge/live/recording.py). Asking for what already is changes
    nothing."""

    on: bool
    by: str


Command = (
    Join
    | MediaConnected
    | MediaLost
    | Leave
    | Mute
    | Unmute
    | CloseSession
    | ShowSite
    | SetVoiceActivated
    | DominantTalker
    | RaiseHand
    | LowerHand
    | GiveFloor
    | MuteAllExceptHost
    | UnmuteAll
    | RemoveSite
    | AddToRoster
    | RemoveFromRoster
    | SetRecording
)
