"""A profile's devices picked from a hall's inventory (what ``enumerateDevices`` lists).

A browser's device ids rotate (per origin, after clearing data), its labels do not, so a
profile names devices by label patterns, tried in order: the first pattern that some
device's label matches picks that device (the first such device in inventory order). A
pattern with ``*``, ``?`` or ``[`` is a glob over the whole label (``fnmatch``: ``*Jabra*``,
``Logitech BRIO ?``); any other pattern is a substring. Both ignore case. When no pattern
matches, the hall's default device is used (the one whose id is ``default``, else the
first of its kind) and a warning says what is missing. Chrome also lists the current
default and (on Windows) communications device under the ids ``default`` and
``communications``, labelled ``Default - <label>``: a pattern picks the real device rather
than those aliases, which follow whatever the system's default becomes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Literal

from bridge.profiles.schema import Profile

Kind = Literal["audioinput", "audiooutput", "videoinput"]
_GLOB = frozenset("*?[")
_ALIASES = frozenset({"default", "communications"})
# A kind in words, for the warning: (vi, en).
_KINDS: dict[str, tuple[str, str]] = {
    "audioinput": ("micrô", "microphone"),
    "audiooutput": ("loa", "speaker"),
    "videoinput": ("camera", "camera"),
}


@dataclass(frozen=True)
class Device:
    kind: Kind
    label: str
    device_id: str = ""


@dataclass(frozen=True)
class Missing:
    """No device of ``kind`` matched ``patterns``; ``fallback`` is used instead (None: the
    hall has no device of that kind at all)."""

    kind: Kind
    patterns: tuple[str, ...]
    fallback: Device | None

    def message(self, lang: str) -> str:
        vi_kind, en_kind = _KINDS[self.kind]
        if lang == "en":
            wanted = ", ".join(f"“{p}”" for p in self.patterns)
            if self.fallback is None:
                return f"No {en_kind} matches {wanted}, and the hall has no {en_kind}."
            return (
                f"No {en_kind} matches {wanted}; using the default “{self.fallback.label}” instead."
            )
        wanted = ", ".join(f"«{p}»" for p in self.patterns)
        if self.fallback is None:
            return f"Không có {vi_kind} nào khớp {wanted}, và điểm cầu không có {vi_kind}."
        return (
            f"Không có {vi_kind} nào khớp {wanted}; dùng thiết bị mặc định «{self.fallback.label}»."
        )


@dataclass(frozen=True)
class Choice:
    """The device for one kind: ``pattern`` the one that matched (None: the default was
    taken); ``device`` None when the hall has none of that kind."""

    kind: Kind
    device: Device | None
    pattern: str | None
    missing: Missing | None = None


@dataclass(frozen=True)
class Devices:
    microphone: Choice
    speaker: Choice
    camera: Choice

    @property
    def warnings(self) -> list[Missing]:
        return [c.missing for c in (self.microphone, self.speaker, self.camera) if c.missing]


def matches(pattern: str, label: str) -> bool:
    """``pattern`` (a glob if it has ``*?[``, else a substring) matches ``label``, any case."""
    pattern, label = pattern.casefold(), label.casefold()
    if _GLOB & set(pattern):
        return fnmatchcase(label, pattern)
    return pattern in label


def default_device(kind: Kind, inventory: Sequence[Device]) -> Device | None:
    of_kind = [d for d in inventory if d.kind == kind]
    return next((d for d in of_kind if d.device_id == "default"), of_kind[0] if of_kind else None)


def choose(kind: Kind, patterns: Sequence[str], inventory: Sequence[Device]) -> Choice:
    """The device ``patterns`` pick for ``kind``; no patterns: the default, no warning."""
    labelled = [d for d in inventory if d.kind == kind and d.label]
    # The real devices first, then the aliases (stable: inventory order within each).
    of_kind = sorted(labelled, key=lambda d: d.device_id in _ALIASES)
    for pattern in patterns:
        for device in of_kind:
            if matches(pattern, device.label):
                return Choice(kind, device, pattern)
    fallback = default_device(kind, inventory)
    missing = Missing(kind, tuple(patterns), fallback) if patterns else None
    return Choice(kind, fallback, None, missing)


def choose_devices(profile: Profile, inventory: Sequence[Device]) -> Devices:
    return Devices(
        choose("audioinput", profile.microphone.labels, inventory),
        choose("audiooutput", profile.speaker.labels, inventory),
        choose("videoinput", profile.camera.labels, inventory),
    )
