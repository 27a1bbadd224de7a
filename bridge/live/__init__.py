"""The runtime of each open session: commands to the domain, events to effect handlers.

Below the signaling layer (which feeds it commands and registers the broadcast), above the
pure domain and the media side it is given.
"""

from bridge.live.effects import Effects
from bridge.live.media import AiortcMedia, MediaSide, Transport
from bridge.live.session import Ending, LiveSession, Participant, Replaced
from bridge.live.sessions import LiveSessions, SessionUnavailable

__all__ = [
    "AiortcMedia",
    "Effects",
    "Ending",
    "LiveSession",
    "LiveSessions",
    "MediaSide",
    "Participant",
    "Replaced",
    "SessionUnavailable",
    "Transport",
]
