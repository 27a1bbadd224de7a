"""What everyone is told: the signaling layer's effect handlers on a live session.

Each event's message is built once and put in every participant's bounded outbox; meters
and link quality go to the consoles only.
"""

from __future__ import annotations

from typing import Any

from bridge.live import LiveSession
from bridge.signaling import outbound


def attach(live: LiveSession) -> None:
    """Register the broadcast on a new live session (a ``LiveSessions.on_open`` hook)."""
    conference = live.conference

    def tell_everyone(event: Any) -> None:
        message = outbound.for_event(event, conference)
        for participant in live.participants():
            participant.send(message)

    def meters(levels: Any) -> None:
        message = outbound.meters(levels)
        for console in live.consoles():
            console.send(message)

    def quality(entries: Any) -> None:
        message = outbound.quality(entries)
        for console in live.consoles():
            console.send(message)

    live.effects.on_every(tell_everyone)
    live.meter_feeds.append(meters)
    live.quality_feeds.append(quality)
