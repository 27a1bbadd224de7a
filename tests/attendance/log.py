"""Audit entries as the live session writes them, for attendance tests."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


@dataclass(frozen=True)
class E:
    at: datetime
    by: str
    action: str
    detail: dict[str, Any] = field(default_factory=dict)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def site(t: float, action: str, site_id: int, state: str, **more: Any) -> E:
    detail = {"site_id": site_id, "state": state, "muted": False, "hand_raised": False}
    detail |= {"removed": False} | more
    return E(at(t), f"site:{site_id}", action, detail)


def join(t: float, s: int) -> E:
    return site(t, "join", s, "connecting")


def connected(t: float, s: int) -> E:
    return site(t, "media_connected", s, "connected")


def lost(t: float, s: int) -> E:
    return site(t, "media_lost", s, "connecting")


def leave(t: float, s: int) -> E:
    return site(t, "leave", s, "offline")


def close(t: float, sites: list[int], by: str = "account:op") -> list[E]:
    return [
        E(at(t), by, "close_session", {"state": "closed"}),
        E(
            at(t),
            by,
            "close_session",
            {"sites": [{"site_id": s, "state": "offline", "muted": False} for s in sites]},
        ),
    ]


def live_open(t: float) -> E:
    return E(at(t), "system", "live_open", {})
