"""What of a live session outlives the bridge's process: its snapshot, and its JSON form.

A restarted bridge (a crash, ``kill -9``, an update) takes up each open session where it
was: who is muted, the raised hands in their order, the floor, the shown site and the
switching mode, whether it was being recorded. Not part of it, on purpose:
- connection states: after a restart every site is offline until it joins again;
- a voice-activation hold in progress: its times are the dead process's loop times, so
  the hold starts over (a site must be dominant for a whole hold after the restart).

A raised hand is a question waiting, so it is kept; but an offline site never has its hand
up (``Conference``'s rule), so a restored hand is held back until its site joins again,
and comes back with its place in the queue (``Conference.restore``).

Pure: ``Conference.snapshot()`` makes one, ``Conference.restore`` takes one up,
``to_json``/``from_json`` convert it for the store (bridge/store/live_state.py).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from bridge.conference.shown import ShownMode, ShownState

VERSION = 1


class SnapshotError(ValueError):
    """A stored snapshot that cannot be read (corrupt, or from an unknown version)."""


@dataclass(frozen=True)
class SiteSnapshot:
    id: int
    muted: bool = False
    hand_seq: int | None = None  # raised, or held back until the site joins again
    removed: bool = False


@dataclass(frozen=True)
class ConferenceSnapshot:
    sites: tuple[SiteSnapshot, ...]  # roster order
    hands: int  # the last hand's sequence number: new hands queue after the restored ones
    floor: int | None
    shown: ShownState
    recording: bool = False  # the session was being recorded


def to_json(snapshot: ConferenceSnapshot) -> dict[str, Any]:
    shown = snapshot.shown
    return {
        "version": VERSION,
        "sites": [
            {"id": s.id, "muted": s.muted, "hand_seq": s.hand_seq, "removed": s.removed}
            for s in snapshot.sites
        ],
        "hands": snapshot.hands,
        "floor": snapshot.floor,
        "shown": {
            "site_id": shown.site_id,
            "previous": shown.previous,
            "mode": str(shown.mode),
            "hold_s": shown.hold_s,
        },
        "recording": snapshot.recording,
    }


def from_json(data: object) -> ConferenceSnapshot:
    """The snapshot ``to_json`` made, or ``SnapshotError`` saying what is wrong."""
    doc = _dict(data, "snapshot")
    if doc.get("version") != VERSION:
        raise SnapshotError(f"unknown snapshot version {doc.get('version')!r}")
    sites = doc.get("sites")
    if not isinstance(sites, list):
        raise SnapshotError("sites must be a list")
    shown = _dict(doc.get("shown"), "shown")
    mode = shown.get("mode")
    if mode not in {m.value for m in ShownMode}:
        raise SnapshotError(f"unknown shown mode {mode!r}")
    hold_s = shown.get("hold_s")
    if isinstance(hold_s, bool) or not isinstance(hold_s, int | float):
        raise SnapshotError("shown.hold_s must be a number")
    if not (math.isfinite(hold_s) and hold_s >= 0):
        raise SnapshotError("shown.hold_s must be >= 0")
    return ConferenceSnapshot(
        sites=tuple(_site(entry) for entry in sites),
        hands=_int(doc.get("hands"), "hands"),
        floor=_optional_int(doc.get("floor"), "floor"),
        shown=ShownState(
            site_id=_int(shown.get("site_id"), "shown.site_id"),
            previous=_optional_int(shown.get("previous"), "shown.previous"),
            mode=ShownMode(mode),
            hold_s=float(hold_s),
        ),
        # Absent in a snapshot saved before recordings existed: not recording.
        recording=_bool(doc.get("recording", False), "recording"),
    )


def _site(data: object) -> SiteSnapshot:
    entry = _dict(data, "site")
    return SiteSnapshot(
        id=_int(entry.get("id"), "site.id"),
        muted=_bool(entry.get("muted"), "site.muted"),
        hand_seq=_optional_int(entry.get("hand_seq"), "site.hand_seq"),
        removed=_bool(entry.get("removed"), "site.removed"),
    )


def _dict(value: object, name: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise SnapshotError(f"{name} must be an object")
    return value


def _int(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise SnapshotError(f"{name} must be an integer")
    return value


def _optional_int(value: object, name: str) -> int | None:
    return None if value is None else _int(value, name)


def _bool(value: object, name: str) -> bool:
    if not isinstance(value, bool):
        raise SnapshotError(f"{name} must be true or false")
    return value
