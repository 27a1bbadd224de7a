"""Effect handlers: what a live session does with each event the domain returns.

Handlers are registered per event type (or for every event) and called in the order they
were registered, so a handler that changes the media (mute, re-route) runs before the one
that tells everyone — a site that hears it is unmuted is already in the mix. Dispatch is a
dictionary look-up by the event's type, cached per type.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Handler = Callable[[Any], None]


class Effects:
    def __init__(self) -> None:
        self._handlers: list[tuple[tuple[type, ...] | None, Handler]] = []
        self._by_type: dict[type, list[Handler]] = {}

    def on(self, *event_types: type, handler: Handler) -> None:
        """Call ``handler(event)`` for events of these types."""
        self._handlers.append((event_types, handler))
        self._by_type.clear()

    def on_every(self, handler: Handler) -> None:
        """Call ``handler(event)`` for every event (broadcast, subscribers)."""
        self._handlers.append((None, handler))
        self._by_type.clear()

    def dispatch(self, event: object) -> None:
        kind = type(event)
        handlers = self._by_type.get(kind)
        if handlers is None:
            handlers = [h for types, h in self._handlers if types is None or kind in types]
            self._by_type[kind] = handlers
        for handler in handlers:
            handler(event)
