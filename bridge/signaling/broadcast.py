"""What everyone is told: the signaling layer's effect handlers on a live session.

Each event's message is built once and put in every participant's bounded outbox (the
halls' copy without the staff's account names, ``outbound.for_halls``); meters, link
quality, the halls' profile state, device health and readiness go to the consoles only, a hall's
profile and grid cells to that hall only.
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
        hall_message = outbound.for_halls(message)
        for hall in live.halls():
            hall.send(hall_message)
        for console in live.consoles():
            console.send(message)

    def meters(levels: Any) -> None:
        message = outbound.meters(levels)
        for console in live.consoles():
            console.send(message)

    def quality(entries: Any) -> None:
        message = outbound.quality(entries)
        for console in live.consoles():
            console.send(message)

    def grid(hall: Any, cells: Any) -> None:
        hall.send(outbound.grid(cells))

    def profile(hall: Any, revision: int, body: Any) -> None:
        hall.send(outbound.profile(revision, body))

    def profile_status(entries: Any) -> None:
        message = outbound.profile_status(entries)
        for console in live.consoles():
            console.send(message)

    def health(entries: Any) -> None:
        message = outbound.health(entries)
        for console in live.consoles():
            console.send(message)

    def test_started(test: Any) -> None:
        message = outbound.readiness_testing(test.site_id)
        for console in live.consoles():
            console.send(message)

    def test_finished(result: Any) -> None:
        message = outbound.readiness_result(result)
        for console in live.consoles():
            console.send(message)

    live.effects.on_every(tell_everyone)
    live.tests.on_start.append(test_started)
    live.tests.on_result.append(test_finished)
    live.devices.profile_feeds.append(profile)
    live.devices.status_feeds.append(profile_status)
    live.devices.health_feeds.append(health)
    live.grid.tell = grid
    live.meter_feeds.append(meters)
    live.quality_feeds.append(quality)
