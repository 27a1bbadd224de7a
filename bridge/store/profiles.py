"""``store.profiles``: the hardware profiles (built-in and custom), what each site's level
assigns, and a site's effective profile down its chain of parents.

The built-in profiles are the catalogue's files (``bridge.profiles.catalogue``), read
once and never written: listed first, marked ``builtin``, refused to update or delete.
Custom profiles are rows, each a whole ``Profile``. An assignment is per site: the profile
its level applies to it and every site below (a built-in or custom id), the fields set on
the site itself, and the field paths it locks for the sites below.

``effective_many`` resolves many sites from one read of the sites, the assignments and
the custom profiles: the live layer calls it for every connected site at once.

``store.profile_reports`` keeps each site's last report of what its page applied.
"""

from __future__ import annotations

import builtins
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, delete, func, select
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from bridge.profiles.catalogue import load_catalogue
from bridge.profiles.inheritance import Assignment, ChainError, Effective, Level, lock_paths
from bridge.profiles.inheritance import resolve as resolve_chain
from bridge.profiles.schema import (
    CatalogueProfile,
    Name,
    Profile,
    ProfileOverride,
    Summary,
    as_override,
)
from bridge.store import schema as t
from bridge.store.engine import Database
from bridge.store.errors import Conflict, InvalidInput, NotFound
from bridge.store.records import Site
from bridge.store.sites import site_of

# The catalogue's own rule for an id (schema.CatalogueProfile), for custom ones too.
ID_PATTERN: str = next(
    m.pattern for m in CatalogueProfile.model_fields["id"].metadata if hasattr(m, "pattern")
)
# Names as long as a copy's name may grow before it is cut.
MAX_NAME_CHARS = 120
COPY_SUFFIX = (" (bản sao)", " (copy)")


@dataclass(frozen=True)
class StoredProfile:
    """A profile as listed: a built-in (``builtin``, no dates) or a custom one."""

    id: str
    name: Name
    summary: Summary
    profile: Profile
    builtin: bool
    copied_from: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    updated_by: str | None = None


@dataclass(frozen=True)
class StoredAssignment:
    """What one site's level sets: ``profile_id`` (None: no profile of its own), the
    ``fields`` set on the site itself, and the paths it ``locked`` for the sites below."""

    site_id: int
    profile_id: str | None
    fields: ProfileOverride | None
    locked: tuple[str, ...]
    updated_at: datetime
    updated_by: str | None = None


@dataclass(frozen=True)
class StoredReport:
    """A site page's last report of what it applied (its shape is the live layer's)."""

    site_id: int
    session_id: int
    revision: int
    report: dict[str, Any]
    at: datetime


def check_id(profile_id: str, field: str = "id") -> None:
    """A custom profile's id follows the catalogue's pattern (``^[a-z0-9][a-z0-9-]{0,63}$``)."""
    if not isinstance(profile_id, str) or re.fullmatch(ID_PATTERN, profile_id) is None:
        raise InvalidInput(f"{profile_id!r} is not a profile id", field=field, problem="invalid")


def check_locked(locked: Iterable[str], field: str = "locked") -> tuple[str, ...]:
    """The lock paths, each a field (``microphone.gain_db``) or a section (``speaker``),
    sorted and unique; the first unknown one raises ``InvalidInput`` naming its index."""
    paths = list(locked)
    for i, path in enumerate(paths):
        try:
            lock_paths([path])
        except ChainError:
            raise InvalidInput(
                f"no profile field {path!r}", field=f"{field}[{i}]", problem="not_found"
            ) from None
        if path in paths[:i]:
            raise InvalidInput(f"{path!r} twice", field=f"{field}[{i}]", problem="duplicate")
    return tuple(sorted(paths))


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _override_json(fields: ProfileOverride | None) -> str | None:
    return None if fields is None else _json(fields.model_dump(exclude_none=True))


class Profiles:
    def __init__(self, db: Database, reports: ProfileReports | None = None) -> None:
        self._db = db
        self._catalogue: dict[str, CatalogueProfile] | None = None
        self._reports = reports or ProfileReports(db)

    # ---- the profiles --------------------------------------------------------------------

    @property
    def catalogue(self) -> dict[str, CatalogueProfile]:
        """The catalogue, read once (its files do not change under a running bridge)."""
        if self._catalogue is None:
            self._catalogue = load_catalogue()
        return self._catalogue

    def list(self) -> builtins.list[StoredProfile]:
        """The built-ins in the catalogue's order, then the custom ones by id."""
        with self._db.read() as conn:
            rows = conn.execute(select(t.profiles).order_by(t.profiles.c.id)).all()
        return [_builtin(entry) for entry in self.catalogue.values()] + [
            _custom(row) for row in rows
        ]

    def get(self, profile_id: str) -> StoredProfile:
        if profile_id in self.catalogue:
            return _builtin(self.catalogue[profile_id])
        with self._db.read() as conn:
            found = _custom_row(conn, profile_id)
        if found is None:
            raise NotFound(f"no profile {profile_id!r}")
        return _custom(found)

    def create(
        self,
        profile_id: str,
        name: Name,
        summary: Summary,
        profile: Profile,
        copied_from: str | None = None,
        *,
        by: str | None = None,
    ) -> StoredProfile:
        """A new custom profile; its id must name no built-in nor custom one (``Conflict``
        on ``id`` / ``taken``)."""
        check_id(profile_id)
        now = self._db.clock()
        with self._db.write() as conn:
            if profile_id in self.catalogue or _custom_row(conn, profile_id) is not None:
                raise Conflict(f"profile {profile_id!r} exists", field="id", problem="taken")
            row = {
                "id": profile_id,
                "name_vi": name.vi,
                "name_en": name.en,
                "summary_vi": summary.vi,
                "summary_en": summary.en,
                "body": profile.model_dump_json(),
                "copied_from": copied_from,
                "created_at": now,
                "updated_at": now,
                "updated_by": by,
            }
            conn.execute(t.profiles.insert().values(row))
        return StoredProfile(profile_id, name, summary, profile, False, copied_from, now, now, by)

    def copy(
        self,
        source_id: str,
        new_id: str,
        name: Name | None = None,
        summary: Summary | None = None,
        profile: Profile | None = None,
        *,
        by: str | None = None,
    ) -> StoredProfile:
        """A custom copy of ``source_id`` (built-in or custom) named ``name`` (default:
        the source's, marked as a copy); ``summary`` and ``profile`` replace the source's
        when given."""
        source = self.get(source_id)
        if name is None:
            vi, en = (
                text[: MAX_NAME_CHARS - len(suffix)] + suffix
                for text, suffix in zip((source.name.vi, source.name.en), COPY_SUFFIX, strict=True)
            )
            name = Name(vi=vi, en=en)
        return self.create(
            new_id,
            name,
            summary or source.summary,
            profile or source.profile,
            copied_from=source_id,
            by=by,
        )

    def update(
        self,
        profile_id: str,
        name: Name | None = None,
        summary: Summary | None = None,
        profile: Profile | None = None,
        *,
        by: str | None = None,
    ) -> StoredProfile:
        """Replace what is given of a custom profile; a built-in refuses (``Conflict``)."""
        if profile_id in self.catalogue:
            raise Conflict(
                f"{profile_id!r} is built in: copy it to change it",
                field="profile_id",
                problem="built_in",
            )
        values: dict[str, Any] = {"updated_at": self._db.clock(), "updated_by": by}
        if name is not None:
            values |= {"name_vi": name.vi, "name_en": name.en}
        if summary is not None:
            values |= {"summary_vi": summary.vi, "summary_en": summary.en}
        if profile is not None:
            values["body"] = profile.model_dump_json()
        with self._db.write() as conn:
            done = conn.execute(
                t.profiles.update().where(t.profiles.c.id == profile_id).values(values)
            )
            if done.rowcount == 0:
                raise NotFound(f"no profile {profile_id!r}")
            row = _custom_row(conn, profile_id)
        assert row is not None
        return _custom(row)

    def delete(self, profile_id: str) -> None:
        """Delete a custom profile; a built-in, or one assigned to any site, refuses
        (``Conflict``, naming the sites)."""
        if profile_id in self.catalogue:
            raise Conflict(f"{profile_id!r} is built in", field="profile_id", problem="built_in")
        a = t.profile_assignments.c
        with self._db.write() as conn:
            if _custom_row(conn, profile_id) is None:
                raise NotFound(f"no profile {profile_id!r}")
            users = conn.scalars(
                select(a.site_id).where(a.profile_id == profile_id).order_by(a.site_id)
            ).all()
            if users:
                names = dict(
                    conn.execute(
                        select(t.sites.c.id, t.sites.c.name).where(t.sites.c.id.in_(users))
                    ).all()
                )
                listed = ", ".join(f"{names.get(s, '?')} ({s})" for s in users)
                raise Conflict(
                    f"profile {profile_id!r} is assigned to sites {listed}",
                    field="profile_id",
                    problem="in_use",
                    params={"sites": listed, "site_ids": list(users)},
                )
            conn.execute(delete(t.profiles).where(t.profiles.c.id == profile_id))

    # ---- assignments ---------------------------------------------------------------------

    def assign(
        self,
        site_id: int,
        profile_id: str | None,
        fields: ProfileOverride | None = None,
        locked: Iterable[str] = (),
        *,
        by: str | None = None,
    ) -> StoredAssignment:
        """Set what the site's level assigns (replacing what it had): ``profile_id`` must
        name a profile (``profile_id`` / ``not_found``), each lock a field or section
        (``locked[i]`` / ``not_found``)."""
        paths = check_locked(locked)
        now = self._db.clock()
        row = {
            "site_id": site_id,
            "profile_id": profile_id,
            "fields": _override_json(fields),
            "locked": _json(list(paths)),
            "updated_at": now,
            "updated_by": by,
        }
        upsert = sqlite_insert(t.profile_assignments).values(row)
        upsert = upsert.on_conflict_do_update(
            index_elements=["site_id"],
            set_={k: upsert.excluded[k] for k in row if k != "site_id"},
        )
        with self._db.write() as conn:
            _check_site(conn, site_id)
            if (
                profile_id is not None
                and profile_id not in self.catalogue
                and _custom_row(conn, profile_id) is None
            ):
                raise InvalidInput(
                    f"no profile {profile_id!r}", field="profile_id", problem="not_found"
                )
            conn.execute(upsert)
        return StoredAssignment(site_id, profile_id, fields, paths, now, by)

    def unassign(self, site_id: int) -> bool:
        """Take the site's assignment away; whether it had one."""
        a = t.profile_assignments.c
        with self._db.write() as conn:
            _check_site(conn, site_id)
            done = conn.execute(delete(t.profile_assignments).where(a.site_id == site_id))
        return bool(done.rowcount)

    def assignment(self, site_id: int) -> StoredAssignment | None:
        a = t.profile_assignments.c
        with self._db.read() as conn:
            _check_site(conn, site_id)
            row = conn.execute(select(t.profile_assignments).where(a.site_id == site_id)).first()
        return None if row is None else _assignment(row)

    def assignments(self) -> dict[int, StoredAssignment]:
        """Every site's assignment, by site id."""
        with self._db.read() as conn:
            return {r.site_id: _assignment(r) for r in conn.execute(select(t.profile_assignments))}

    def generation(self) -> tuple[Any, ...]:
        """A fingerprint of every profile and assignment (how many, the latest change): it
        differs after any create, edit, delete, assign or unassign — also one made by another
        process, such as ``bridge profile`` — so a running bridge can notice it cheaply."""
        p, a = t.profiles.c, t.profile_assignments.c
        with self._db.read() as conn:
            profiles = conn.execute(select(func.count(), func.max(p.updated_at))).one()
            assigned = conn.execute(select(func.count(), func.max(a.updated_at))).one()
        return (*profiles, *assigned)

    # ---- resolution ----------------------------------------------------------------------

    def chain(self, site_id: int) -> builtins.list[Assignment]:
        """The site's chain, central first: each site from the top of its tree down to the
        site itself, with its assignment at its own level (an empty one if it has none)."""
        return self._world().chain(site_id)

    def effective(self, site_id: int) -> Effective:
        return resolve_chain(self.chain(site_id))

    def effective_many(self, site_ids: Iterable[int]) -> dict[int, Effective]:
        """``effective`` of every site, from one read of sites, assignments and profiles."""
        world = self._world()
        return {site_id: resolve_chain(world.chain(site_id)) for site_id in site_ids}

    def profiles_many(self, site_ids: Iterable[int]) -> dict[int, Profile]:
        """The effective profile alone of every site (what the live layer pushes), from one
        read. Sites whose chains hold the same assignments have the same profile, so each
        such chain is resolved once: a push to a hundred halls under one province is one
        resolution, not a hundred (it runs in a worker thread, but holds the interpreter
        lock the mixer's loop needs)."""
        world = self._world()
        resolved: dict[tuple[int, ...], Profile] = {}
        found: dict[int, Profile] = {}
        for site_id in site_ids:
            chain = world.chain(site_id)
            key = tuple(step.site_id for step in chain if step.site_id in world.assigned)
            if key not in resolved:
                resolved[key] = resolve_chain(chain).profile
            found[site_id] = resolved[key]
        return found

    def _world(self) -> _World:
        with self._db.read() as conn:
            sites = {row.id: site_of(row) for row in conn.execute(select(t.sites))}
            assigned = {
                r.site_id: _assignment(r) for r in conn.execute(select(t.profile_assignments))
            }
            wanted = {a.profile_id for a in assigned.values() if a.profile_id} - set(self.catalogue)
            customs = conn.execute(select(t.profiles).where(t.profiles.c.id.in_(wanted))).all()
        bodies = {pid: entry.profile for pid, entry in self.catalogue.items()}
        bodies |= {row.id: Profile.model_validate_json(row.body) for row in customs}
        return _World(sites, assigned, bodies)

    # ---- reports (the live layer's) ------------------------------------------------------

    def save_report(
        self, site_id: int, session_id: int, revision: int, report: Mapping[str, Any]
    ) -> None:
        self._reports.save_report(site_id, session_id, revision, report)

    def reports(self, site_ids: Iterable[int]) -> dict[int, StoredReport]:
        return self._reports.reports(site_ids)


@dataclass(frozen=True)
class _World:
    """One read's worth of the tree, the assignments and the assigned profiles' bodies."""

    sites: dict[int, Site]
    assigned: dict[int, StoredAssignment]
    bodies: dict[str, Profile]

    def chain(self, site_id: int) -> list[Assignment]:
        if site_id not in self.sites:
            raise NotFound(f"no site {site_id}")
        path: list[Site] = []
        current: int | None = site_id
        while current is not None and len(path) <= len(self.sites):  # a cycle cannot loop
            site = self.sites[current]
            path.append(site)
            current = site.parent_id
        return [self._step(site) for site in reversed(path)]

    def _step(self, site: Site) -> Assignment:
        level = Level(site.level.value)
        stored = self.assigned.get(site.id)
        if stored is None:
            return Assignment(level, site.id)
        body = self.bodies.get(stored.profile_id) if stored.profile_id else None
        return Assignment(
            level,
            site.id,
            profile=None if body is None else as_override(body),
            # A profile gone from the catalogue (a newer release dropped it) sets nothing.
            profile_id=stored.profile_id if body is not None else None,
            locked=frozenset(stored.locked),
            fields=stored.fields,
        )


class ProfileReports:
    """``store.profile_reports``: each site's last report of the profile its page applied,
    replaced whole by the next (the live layer writes and reads it; its shape is its own)."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def save_report(
        self, site_id: int, session_id: int, revision: int, report: Mapping[str, Any]
    ) -> None:
        row = {
            "site_id": site_id,
            "session_id": session_id,
            "revision": revision,
            "report": _json(dict(report)),
            "at": self._db.clock(),
        }
        upsert = sqlite_insert(t.profile_reports).values(row)
        upsert = upsert.on_conflict_do_update(
            index_elements=["site_id"],
            set_={k: upsert.excluded[k] for k in row if k != "site_id"},
        )
        with self._db.write() as conn:
            conn.execute(upsert)

    def reports(self, site_ids: Iterable[int]) -> dict[int, StoredReport]:
        """The last report of each of ``site_ids`` that sent one (one query)."""
        r = t.profile_reports.c
        with self._db.read() as conn:
            rows = conn.execute(select(t.profile_reports).where(r.site_id.in_(list(site_ids))))
            return {
                row.site_id: StoredReport(
                    row.site_id, row.session_id, row.revision, json.loads(row.report), row.at
                )
                for row in rows
            }


def _check_site(conn: Connection, site_id: int) -> None:
    if conn.execute(select(t.sites.c.id).where(t.sites.c.id == site_id)).first() is None:
        raise NotFound(f"no site {site_id}")


def _custom_row(conn: Connection, profile_id: str) -> Row[Any] | None:
    return conn.execute(select(t.profiles).where(t.profiles.c.id == profile_id)).first()


def _builtin(entry: CatalogueProfile) -> StoredProfile:
    return StoredProfile(entry.id, entry.name, entry.summary, entry.profile, True)


def _custom(row: Row[Any]) -> StoredProfile:
    return StoredProfile(
        row.id,
        Name(vi=row.name_vi, en=row.name_en),
        Summary(vi=row.summary_vi, en=row.summary_en),
        Profile.model_validate_json(row.body),
        False,
        row.copied_from,
        row.created_at,
        row.updated_at,
        row.updated_by,
    )


def _assignment(row: Row[Any]) -> StoredAssignment:
    fields = None if row.fields is None else ProfileOverride.model_validate_json(row.fields)
    return StoredAssignment(
        row.site_id,
        row.profile_id,
        fields,
        tuple(json.loads(row.locked)),
        row.updated_at,
        row.updated_by,
    )
