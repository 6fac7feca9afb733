"""Where each alert's latest retro-hunt stands, so the web pages can run it in the background.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "alert_hunts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("alert_pk", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("searched", sa.Integer(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("requested_by", sa.String(length=150), nullable=False),
        sa.Column("requested_at", TIMESTAMP, nullable=False),
        sa.Column("started_at", TIMESTAMP, nullable=True),
        sa.Column("finished_at", TIMESTAMP, nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "state IN ('queued', 'running', 'done', 'failed', 'interrupted')",
            name=op.f("ck_alert_hunts_state"),
        ),
        sa.ForeignKeyConstraint(
            ["alert_pk"],
            ["alerts.id"],
            name=op.f("fk_alert_hunts_alert_pk_alerts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_hunts")),
        sa.UniqueConstraint("alert_pk", name=op.f("uq_alert_hunts_alert_pk")),
    )


def downgrade() -> None:
    op.drop_table("alert_hunts")
