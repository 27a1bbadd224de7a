"""What sites and consoles are told, as plain values.

Every event carries its cause: ``by`` (the principal whose command caused it, e.g.
``account:thu.ky``, ``site:3``, ``voice``), ``at`` (when the domain handled that command,
UTC, passed in by the caller — the domain reads no clock) and ``cause`` (the command's
name, e.g. ``mute``, ``give_floor``). The audit log and attendance are built from these
alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from bridge.conference.session import SiteStatus
from bridge.conference.shown import ShownState

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, kw_only=True)
class Cause:
    """Who caused an event, when, and by which command (filled in by ``Conference``)."""

    # Not part of equality: two events saying the same thing are the same news.
    by: str = field(default="", compare=False)
    at: datetime = field(default=EPOCH, compare=False)
    cause: str = field(default="", compare=False)


@dataclass(frozen=True)
class SiteChanged(Cause):
    site: SiteStatus


@dataclass(frozen=True)
class SitesChanged(Cause):
    """Several sites changed at once (mute all, unmute all, close): one message, not one per
    site, so a hundred-site session does not flood every participant's outbox."""

    sites: tuple[SiteStatus, ...]


@dataclass(frozen=True)
class SessionChanged(Cause):
    state: str


@dataclass(frozen=True)
class ShownChanged(Cause):
    """The shown site, the one shown before it, or the switching mode changed."""

    shown: ShownState


@dataclass(frozen=True)
class FloorChanged(Cause):
    """The site that has the floor (None: nobody in particular, the chair leads)."""

    site_id: int | None


@dataclass(frozen=True)
class RosterChanged(Cause):
    """A site was put on the roster (``added``) or taken off it: ``sites`` is the whole
    roster after the change, in roster order (everyone is sent it: a console draws the new
    hall at once)."""

    sites: tuple[SiteStatus, ...]
    site_id: int
    added: bool


@dataclass(frozen=True)
class RecordingChanged(Cause):
    """The session started (``recording``) or stopped being recorded. Since when is the
    event's ``at`` (and ``Conference.recording_since``): every page shows it."""

    recording: bool


Event = (
    SiteChanged
    | SitesChanged
    | SessionChanged
    | ShownChanged
    | FloorChanged
    | RosterChanged
    | RecordingChanged
)
