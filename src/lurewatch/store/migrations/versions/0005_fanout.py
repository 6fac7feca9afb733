"""Fan-out contributions: each member of staff's latest file and the hashes it holds.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "fanout_files",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("key_id", sa.String(length=16), nullable=False),
        sa.Column("received_at", TIMESTAMP, nullable=False),
        sa.Column("contacts", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_fanout_files_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fanout_files")),
        sa.UniqueConstraint("user_id", name=op.f("uq_fanout_files_user_id")),
    )
    op.create_table(
        "fanout_sightings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("file_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.Column("day", sa.Date(), nullable=True),
        sa.CheckConstraint(
            "kind IN ('url', 'name_company', 'handle')", name=op.f("ck_fanout_sightings_kind")
        ),
        sa.ForeignKeyConstraint(
            ["file_id"],
            ["fanout_files.id"],
            name=op.f("fk_fanout_sightings_file_id_fanout_files"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fanout_sightings")),
    )
    op.create_index(op.f("ix_fanout_sightings_file_id"), "fanout_sightings", ["file_id"])
    op.create_index(
        op.f("ix_fanout_sightings_kind_hash_day"), "fanout_sightings", ["kind", "hash", "day"]
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_fanout_sightings_kind_hash_day"), table_name="fanout_sightings")
    op.drop_index(op.f("ix_fanout_sightings_file_id"), table_name="fanout_sightings")
    op.drop_table("fanout_sightings")
    op.drop_table("fanout_files")
