"""``store.sites``: the halls, in their tree (central > province > district > commune)."""

from __future__ import annotations

import builtins
from typing import Any

from sqlalchemy import Row, select

from bridge.store import schema as t
from bridge.store.engine import Database
from bridge.store.errors import Conflict, InvalidInput, NotFound, clean_text, parse_enum
from bridge.store.records import Site, SiteLevel

MAX_NAME_CHARS = 200


class Sites:
    def __init__(self, db: Database) -> None:
        self._db = db

    def create(self, name: str, level: SiteLevel, parent_id: int | None = None) -> Site:
        """A new site. A parent must be of a higher level (central > province > district >
        commune); names are unique among the sites under one parent."""
        name = clean_text(name, "site name", MAX_NAME_CHARS)
        level = parse_enum(SiteLevel, level, "site level")
        with self._db.write() as conn:
            if parent_id is not None:
                query = select(t.sites.c.level).where(t.sites.c.id == parent_id)
                parent_level = conn.execute(query).scalar()
                if parent_level is None:
                    raise InvalidInput(f"no parent site {parent_id}")
                if SiteLevel(parent_level).rank >= level.rank:
                    raise InvalidInput(f"a {level} site cannot sit under a {parent_level} site")
            same_parent = (
                t.sites.c.parent_id.is_(None)
                if parent_id is None
                else t.sites.c.parent_id == parent_id
            )
            query = select(t.sites.c.id).where(same_parent, t.sites.c.name == name)
            if conn.execute(query).first() is not None:
                raise Conflict(f"a site named {name!r} already exists there")
            values = {"name": name, "level": level, "parent_id": parent_id}
            site_id, created_at = self._db.insert(conn, t.sites, values)
        return Site(site_id, name, level, parent_id, created_at)

    def get(self, site_id: int) -> Site:
        with self._db.read() as conn:
            row = conn.execute(select(t.sites).where(t.sites.c.id == site_id)).first()
        if row is None:
            raise NotFound(f"no site {site_id}")
        return site_of(row)

    def list(self) -> builtins.list[Site]:
        """Every site, in the order they were made."""
        with self._db.read() as conn:
            return [site_of(row) for row in conn.execute(select(t.sites).order_by(t.sites.c.id))]


def site_of(row: Row[Any]) -> Site:
    return Site(row.id, row.name, SiteLevel(row.level), row.parent_id, row.created_at)
