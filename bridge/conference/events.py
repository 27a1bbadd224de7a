"""What sites and consoles are told, as plain values."""

from __future__ import annotations

from dataclasses import dataclass

from bridge.conference.session import SiteStatus


@dataclass(frozen=True)
class SiteChanged:
    site: SiteStatus


@dataclass(frozen=True)
class SessionChanged:
    state: str


Event = SiteChanged | SessionChanged
