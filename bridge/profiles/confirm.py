"""Whether a hall did what its profile asked: desired, applied and read back, per field.

The bridge sends a hall its effective profile (desired); the page answers with what it asked
the browser for (applied) and what the browser says it now does (read back: the tracks'
``getSettings()``, the sink, the layout drawn). A field is confirmed when its read-back
value is the desired one — numbers within a small tolerance, since a camera asked for 30
frames/s may report 29.97 —, refused when it is not, and unknown (``None``) when nothing
was read back: a browser cannot read back every field (the preview stream's size is an
encoder setting), and a hall that has not answered yet has read back nothing.

Device label patterns are confirmed by the device chosen: refused when the hall reported it
lacks every pattern (it fell back to another device), confirmed when it found one.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from bridge.profiles.schema import Profile, flatten

# Read-back numbers within this share of the desired value (or 0.5, whichever is more)
# count as the desired one: 29.97 frames/s for 30, 47 999 Hz for 48 000.
RELATIVE_TOLERANCE = 0.01
ABSOLUTE_TOLERANCE = 0.5

# Which device kind a ``<section>.labels`` field chooses.
LABEL_FIELDS = {
    "microphone.labels": "microphone",
    "speaker.labels": "speaker",
    "camera.labels": "camera",
}


class State(StrEnum):
    OFFLINE = "offline"  # not connected: nothing to confirm now
    PENDING = "pending"  # sent, not answered yet (or answered an older revision)
    CONFIRMED = "confirmed"  # every field read back is as desired
    DIFFERS = "differs"  # some field read back is not, or could not be applied


@dataclass(frozen=True)
class FieldCheck:
    desired: Any
    applied: Any
    readback: Any
    ok: bool | None


def same(desired: Any, readback: Any) -> bool:
    """A read-back value equals the desired one (numbers within the tolerance; a bool is
    not a number here: ``True`` is not ``1``)."""
    if isinstance(desired, bool) or isinstance(readback, bool):
        return desired is readback
    if isinstance(desired, int | float) and isinstance(readback, int | float):
        if not math.isfinite(readback):
            return False
        allowed = max(ABSOLUTE_TOLERANCE, RELATIVE_TOLERANCE * abs(desired))
        return abs(desired - readback) <= allowed
    return bool(desired == readback)


def check_fields(
    desired: Profile | Mapping[str, Any],
    applied: Mapping[str, Any],
    readback: Mapping[str, Any],
    devices: Mapping[str, str | None],
    missing_kinds: Sequence[str] = (),
) -> dict[str, FieldCheck]:
    """Every field of the profile (or of its ``flatten``, which a caller checking many halls
    against one profile makes once), in the schema's order, with its check."""
    checks: dict[str, FieldCheck] = {}
    flat = flatten(desired) if isinstance(desired, Profile) else desired
    for path, want in flat.items():
        if path in LABEL_FIELDS:
            kind = LABEL_FIELDS[path]
            used = devices.get(kind)
            ok: bool | None
            if not want:
                ok = None  # no patterns: the default device, nothing to confirm
            elif kind in missing_kinds:
                ok = False
            else:
                ok = True if used else None
            checks[path] = FieldCheck(want, applied.get(path), used, ok)
            continue
        if path in readback:
            got = readback[path]
            checks[path] = FieldCheck(want, applied.get(path), got, same(want, got))
        else:
            checks[path] = FieldCheck(want, applied.get(path), None, None)
    return checks


def overall(
    connected: bool,
    revision: int,
    answered: int | None,
    checks: Mapping[str, FieldCheck],
    problems: int = 0,
) -> State:
    """The hall's profile state: what the console shows as one mark."""
    if not connected:
        return State.OFFLINE
    if answered is None or answered < revision:
        return State.PENDING
    if problems or any(check.ok is False for check in checks.values()):
        return State.DIFFERS
    return State.CONFIRMED
