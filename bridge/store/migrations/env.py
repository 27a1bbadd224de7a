"""Alembic's entry point for our migrations. Run through
:func:`bridge.store.migrations.upgrade_to_head`, which hands over an open connection."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from bridge.store.schema import metadata


def run_migrations() -> None:
    connection = context.config.attributes.get("connection")
    if context.is_offline_mode() or not isinstance(connection, Connection):
        raise RuntimeError(
            "bridge migrations run on an open connection: use "
            "bridge.store.migrations.upgrade_to_head (or just open a Store)"
        )
    context.configure(
        connection=connection,
        target_metadata=metadata,
        # SQLite cannot ALTER most things; batch mode rebuilds the table instead.
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations()
