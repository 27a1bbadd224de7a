"""The domain of a live session, with no I/O: commands in, events out."""

from bridge.conference.commands import (
    CloseSession,
    Command,
    DominantTalker,
    Join,
    Leave,
    MediaConnected,
    MediaLost,
    Mute,
    SetVoiceActivated,
    ShowSite,
    Unmute,
)
from bridge.conference.events import Event, SessionChanged, ShownChanged, SiteChanged
from bridge.conference.session import (
    Conference,
    ConferenceError,
    ConnectionState,
    RosterSite,
    SiteStatus,
    UnknownSite,
)
from bridge.conference.shown import ShownMode, ShownSite, ShownState

__all__ = [
    "CloseSession",
    "Command",
    "Conference",
    "ConferenceError",
    "ConnectionState",
    "DominantTalker",
    "Event",
    "Join",
    "Leave",
    "MediaConnected",
    "MediaLost",
    "Mute",
    "RosterSite",
    "SessionChanged",
    "SetVoiceActivated",
    "ShowSite",
    "ShownChanged",
    "ShownMode",
    "ShownSite",
    "ShownState",
    "SiteChanged",
    "SiteStatus",
    "UnknownSite",
    "Unmute",
]
