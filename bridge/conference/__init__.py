"""The domain of a live session, with no I/O: commands in, events out."""

from bridge.conference.commands import (
    CloseSession,
    Command,
    Join,
    Leave,
    MediaConnected,
    MediaLost,
    Mute,
    Unmute,
)
from bridge.conference.events import Event, SessionChanged, SiteChanged
from bridge.conference.session import (
    Conference,
    ConferenceError,
    ConnectionState,
    RosterSite,
    SiteStatus,
    UnknownSite,
)

__all__ = [
    "CloseSession",
    "Command",
    "Conference",
    "ConferenceError",
    "ConnectionState",
    "Event",
    "Join",
    "Leave",
    "MediaConnected",
    "MediaLost",
    "Mute",
    "RosterSite",
    "SessionChanged",
    "SiteChanged",
    "SiteStatus",
    "UnknownSite",
    "Unmute",
]
