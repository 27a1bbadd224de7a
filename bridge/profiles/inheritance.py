"""A site's effective profile: the built-in defaults, then each level of its chain from
central down to the site itself, each level's override setting the fields it sets — unless
a level above locked the field, in which case the override is ignored (and reported).

Every field's value comes with its source (the level, site and profile that set it, or the
built-in default) and its lock (the highest level that locked it), for the console to show.
A lock freezes the value the field has at the locking level (set there, above, or the
default); a level's own override applies before its own locks.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from itertools import pairwise
from typing import Any

from bridge.profiles.schema import (
    SECTIONS,
    Profile,
    ProfileOverride,
    field_paths,
    flatten,
    unflatten,
)


class Level(StrEnum):
    """The site tree's levels, top first (the same words as the store's)."""

    CENTRAL = "central"
    PROVINCE = "province"
    DISTRICT = "district"
    COMMUNE = "commune"


_RANK = {level: rank for rank, level in enumerate(Level)}
SiteId = int | str


class ChainError(ValueError):
    """A chain that cannot be resolved; ``field`` names what is wrong (``chain[1].level``,
    ``chain[0].locked[2]``), ``problem`` is a ``Problem`` word of the error mapping."""

    def __init__(self, field: str, problem: str, detail: str) -> None:
        super().__init__(f"{field}: {detail}")
        self.field = field
        self.problem = problem


@dataclass(frozen=True)
class Assignment:
    """What one level of a site's chain sets: ``profile`` (an override, or a whole profile
    as ``schema.as_override`` makes it) named ``profile_id``; then ``fields``, the fields
    set on that site itself, on top of its profile (their source has no ``profile_id``);
    and the field paths it locks (``microphone.gain_db``, or a section such as
    ``microphone`` for all of its fields)."""

    level: Level
    site_id: SiteId
    profile: ProfileOverride | None = None
    profile_id: str | None = None
    locked: frozenset[str] = frozenset()
    fields: ProfileOverride | None = None


@dataclass(frozen=True)
class Source:
    """Where a value was set, or a lock put: one level of the chain, and the profile that
    set the value (None: set on the site itself; always None for a lock, which belongs to
    the level, not to a profile)."""

    level: Level
    site_id: SiteId
    profile_id: str | None


@dataclass(frozen=True)
class Ignored:
    """An override a lock above made void: who set what."""

    source: Source
    value: Any


@dataclass(frozen=True)
class Resolved:
    """One field's effective value; ``source`` None: the built-in default."""

    path: str
    value: Any
    source: Source | None
    locked_by: Source | None = None
    ignored: tuple[Ignored, ...] = ()


@dataclass(frozen=True)
class Effective:
    profile: Profile
    fields: dict[str, Resolved] = field(default_factory=dict)

    def ignored(self) -> list[tuple[str, Ignored]]:
        """Every override a lock made void, as ``(path, ignored)``, in field order."""
        return [(path, i) for path, r in self.fields.items() for i in r.ignored]


def lock_paths(locked: Iterable[str], where: str = "locked") -> set[str]:
    """The field paths ``locked`` names (a section stands for all of its fields); an
    unknown path raises ``ChainError`` naming it."""
    known = field_paths()
    found: set[str] = set()
    for i, path in enumerate(sorted(locked)):
        if path in SECTIONS:
            found.update(p for p in known if p.startswith(path + "."))
        elif path in known:
            found.add(path)
        else:
            raise ChainError(f"{where}[{i}]", "not_found", f"no profile field {path!r}")
    return found


def check_chain(chain: Sequence[Assignment]) -> None:
    """A chain runs from central down: each level strictly below the one before."""
    if not chain:
        raise ChainError("chain", "too_short", "a chain has at least the site itself")
    for i, (above, below) in enumerate(pairwise(chain), start=1):
        if _RANK[below.level] <= _RANK[above.level]:
            raise ChainError(
                f"chain[{i}].level", "wrong_level", f"{below.level} under {above.level}"
            )


def resolve(chain: Sequence[Assignment], defaults: Profile | None = None) -> Effective:
    """The effective profile at the chain's last site (``defaults``: the built-in one)."""
    check_chain(chain)
    base = flatten(defaults or Profile())
    values: dict[str, Any] = dict(base)
    sources: dict[str, Source | None] = dict.fromkeys(base)
    locks: dict[str, Source] = {}
    ignored: dict[str, list[Ignored]] = {path: [] for path in base}
    for i, step in enumerate(chain):
        named = Source(step.level, step.site_id, step.profile_id)
        own = Source(step.level, step.site_id, None)
        for source, part in ((named, step.profile), (own, step.fields)):
            if part is None:
                continue
            for path, value in flatten(part).items():
                if path in locks:
                    ignored[path].append(Ignored(source, value))
                else:
                    values[path], sources[path] = value, source
        for path in lock_paths(step.locked, f"chain[{i}].locked"):
            locks.setdefault(path, own)  # a lock is the level's, not a profile's
    profile = Profile.model_validate(unflatten(values))
    return Effective(
        profile,
        {
            path: Resolved(path, values[path], sources[path], locks.get(path), tuple(ignored[path]))
            for path in base
        },
    )
