"""What sites and consoles are told, as plain values."""

from __future__ import annotations

from dataclasses import dataclass

from bridge.conference.session import SiteStatus
from bridge.conference.shown import ShownState


@dataclass(frozen=True)
class SiteChanged:
    site: SiteStatus


@dataclass(frozen=True)
class SitesChanged:
    """Several sites changed at once (mute all, unmute all, close): one message, not one per
    site, so a hundred-site session does not flood every participant's outbox."""

    sites: tuple[SiteStatus, ...]


@dataclass(frozen=True)
class SessionChanged:
    state: str


@dataclass(frozen=True)
class ShownChanged:
    """The shown site, the one shown before it, or the switching mode changed."""

    shown: ShownState


@dataclass(frozen=True)
class FloorChanged:
    """The site that has the floor (None: nobody in particular, the chair leads)."""

    site_id: int | None


Event = SiteChanged | SitesChanged | SessionChanged | ShownChanged | FloorChanged
