"""Triage and search: folded names and companies on observations; a level index on reports.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29

Existing observations get their folded name and company computed here
(``lurewatch.identity.norm_name``, the folding search uses).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from lurewatch.identity import norm_name

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_observations = sa.table(
    "observations",
    sa.column("id", sa.Integer()),
    sa.column("name", sa.Text()),
    sa.column("company", sa.Text()),
    sa.column("name_norm", sa.Text()),
    sa.column("company_norm", sa.Text()),
)


def upgrade() -> None:
    with op.batch_alter_table("observations") as batch:
        batch.add_column(sa.Column("name_norm", sa.Text(), server_default="", nullable=False))
        batch.add_column(sa.Column("company_norm", sa.Text(), server_default="", nullable=False))
    conn = op.get_bind()
    rows = conn.execute(
        sa.select(_observations.c.id, _observations.c.name, _observations.c.company)
    ).all()
    if rows:
        conn.execute(
            _observations.update()
            .where(_observations.c.id == sa.bindparam("oid"))
            .values(name_norm=sa.bindparam("nn"), company_norm=sa.bindparam("cn")),
            [
                {"oid": oid, "nn": norm_name(name), "cn": norm_name(company)}
                for oid, name, company in rows
            ],
        )
    op.create_index("ix_reports_level_received_at", "reports", ["level", "received_at"])


def downgrade() -> None:
    op.drop_index("ix_reports_level_received_at", table_name="reports")
    with op.batch_alter_table("observations") as batch:
        batch.drop_column("company_norm")
        batch.drop_column("name_norm")
