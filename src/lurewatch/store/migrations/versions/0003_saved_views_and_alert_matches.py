"""Saved triage views per analyst; the reports an alert's retro-hunt matched.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TIMESTAMP = sa.DateTime(timezone=True)
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "saved_views",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("query", sa.Text(), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_saved_views_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_saved_views")),
        sa.UniqueConstraint("user_id", "name", name=op.f("uq_saved_views_user_id_name")),
    )
    op.create_table(
        "alert_matches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("alert_pk", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("strength", sa.String(length=10), nullable=False),
        sa.Column("persona", sa.Text(), nullable=True),
        sa.Column("details", JSON, nullable=False),
        sa.Column("found_at", TIMESTAMP, nullable=False),
        sa.CheckConstraint(
            "strength IN ('strong', 'possible')", name=op.f("ck_alert_matches_strength")
        ),
        sa.ForeignKeyConstraint(
            ["alert_pk"],
            ["alerts.id"],
            name=op.f("fk_alert_matches_alert_pk_alerts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["report_id"],
            ["reports.id"],
            name=op.f("fk_alert_matches_report_id_reports"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_matches")),
        sa.UniqueConstraint(
            "alert_pk",
            "report_id",
            "position",
            name=op.f("uq_alert_matches_alert_pk_report_id_position"),
        ),
    )
    op.create_index(op.f("ix_alert_matches_alert_pk"), "alert_matches", ["alert_pk"])
    op.create_index(op.f("ix_alert_matches_report_id"), "alert_matches", ["report_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_alert_matches_report_id"), table_name="alert_matches")
    op.drop_index(op.f("ix_alert_matches_alert_pk"), table_name="alert_matches")
    op.drop_table("alert_matches")
    op.drop_table("saved_views")
