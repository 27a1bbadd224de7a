"""Recordings: the files a session was recorded into, and who fetched them.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02

- ``recordings``: per session, one row per file (state recording, complete, failed or
  deleted), with its size, SHA-256, duration, codec and chapters (JSON) once complete;
- ``recording_access``: every download of a recording or its manifest, by whom and when;
- ``bookings.record`` and ``sessions.record``: the booking asks for the session to be
  recorded from its opening (false by default).

Written out in full, as the earlier revisions are, rather than importing
``bridge.store.schema``.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _record() -> sa.Column[bool]:
    return sa.Column("record", sa.Boolean(), nullable=False, server_default="0")


def upgrade() -> None:
    # Batch mode rebuilds both tables (each column a line of its CREATE TABLE, as schema.py
    # makes it); SQLite cannot reflect the sites' expression index, and need not.
    for table in ("sessions", "bookings"):
        with warnings.catch_warnings(), op.batch_alter_table(table, recreate="always") as batch:
            warnings.filterwarnings("ignore", "Skipped unsupported reflection")
            batch.add_column(_record())

    op.create_table(
        "recordings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("file", sa.String(500), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("ended_at", sa.DateTime(), nullable=True),
        sa.Column("bytes", sa.Integer(), nullable=True),
        sa.Column("sha256", sa.String(64), nullable=True),
        sa.Column("duration_s", sa.Float(), nullable=True),
        sa.Column("started_by", sa.String(200), nullable=False),
        sa.Column("codec", sa.String(16), nullable=True),
        sa.Column("chapters", sa.Text(), nullable=False),
        sa.CheckConstraint(
            "state IN ('recording', 'complete', 'failed', 'deleted')",
            name=op.f("ck_recordings_state"),
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["sessions.id"],
            name="fk_recordings_session_id_sessions",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_recordings"),
    )
    op.create_index("ix_recordings_session_id", "recordings", ["session_id"])
    op.create_index("ix_recordings_state_started_at", "recordings", ["state", "started_at"])
    op.create_table(
        "recording_access",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("recording_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("by", sa.String(200), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.ForeignKeyConstraint(
            ["recording_id"],
            ["recordings.id"],
            name="fk_recording_access_recording_id_recordings",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_recording_access"),
    )
    op.create_index("ix_recording_access_recording_id", "recording_access", ["recording_id"])


def downgrade() -> None:
    op.drop_index("ix_recording_access_recording_id", "recording_access")
    op.drop_table("recording_access")
    op.drop_index("ix_recordings_state_started_at", "recordings")
    op.drop_index("ix_recordings_session_id", "recordings")
    op.drop_table("recordings")
    for table in ("bookings", "sessions"):
        with warnings.catch_warnings(), op.batch_alter_table(table, recreate="always") as batch:
            warnings.filterwarnings("ignore", "Skipped unsupported reflection")
            batch.drop_column("record")
