"""Alembic, driven from code: no ``alembic.ini`` on disk, the config is built here.

``Store`` calls :func:`upgrade_to_head` on open, so an installed bridge upgrades its own
database when a new version starts.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection

SCRIPT_LOCATION = Path(__file__).resolve().parent


def alembic_config(connection: Connection | None = None) -> Config:
    """A Config for our scripts; ``env.py`` runs the migrations on ``connection``."""
    config = Config()
    # configparser interpolates "%": a path holding one must have it doubled.
    config.set_main_option("script_location", str(SCRIPT_LOCATION).replace("%", "%%"))
    config.set_main_option("path_separator", "os")
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None, "no migrations found"
    return head


def current_revision(connection: Connection) -> str | None:
    """The revision the database is at; ``None`` for a fresh, empty file."""
    return MigrationContext.configure(connection).get_current_revision()


def upgrade_to_head(connection: Connection) -> bool:
    """Bring the database on ``connection`` to the newest schema, inside the caller's
    transaction. Returns whether anything ran (False when it was already current)."""
    if current_revision(connection) == head_revision():
        return False
    command.upgrade(alembic_config(connection), "head")
    return True
