"""What sites and consoles are told, as plain values."""

from __future__ import annotations

from dataclasses import dataclass

from bridge.conference.session import SiteStatus
from bridge.conference.shown import ShownState


@dataclass(frozen=True)
class SiteChanged:
    site: SiteStatus


@dataclass(frozen=True)
class SessionChanged:
    state: str


@dataclass(frozen=True)
class ShownChanged:
    """The shown site, the one shown before it, or the switching mode changed."""

    shown: ShownState


Event = SiteChanged | SessionChanged | ShownChanged
