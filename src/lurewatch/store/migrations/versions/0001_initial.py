"""The initial schema: people, reports, counterparties, cases, alerts, audit log.

Revision ID: 0001
Revises:
Create Date: 2026-11-29

Written against SQLAlchemy types only (never the store's ORM classes), so it
keeps meaning what it meant when later revisions change the models.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TIMESTAMP = sa.DateTime(timezone=True)
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")

# The wording the office starts with; admins edit it afterwards.
DEFAULT_VERDICTS = {
    "received": "Received: thank you. The security office will look at your report "
    "and tell you what it finds.",
    "confirmed-hostile": "confirmed hostile: do not engage, we have blocked it",
    "looks-legitimate": "looks legitimate: nothing here suggests a covert approach. "
    "Stay alert, and report again if they ask for money, reports or a move to another app.",
}


def upgrade() -> None:
    op.create_table(
        "alerts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("alert_id", sa.String(length=200), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("tlp", sa.String(length=20), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("issued", sa.Date(), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("personas", sa.Integer(), nullable=False),
        sa.Column("imported_at", TIMESTAMP, nullable=False),
        sa.Column("imported_by", sa.String(length=150), nullable=False),
        sa.CheckConstraint(
            "tlp IN ('TLP:CLEAR', 'TLP:GREEN', 'TLP:AMBER', 'TLP:AMBER+STRICT', 'TLP:RED')",
            name=op.f("ck_alerts_tlp"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alerts")),
        sa.UniqueConstraint("alert_id", name=op.f("uq_alerts_alert_id")),
    )
    op.create_table(
        "audit_log",
        sa.Column("seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("at", TIMESTAMP, nullable=False),
        sa.Column("actor", sa.String(length=150), nullable=False),
        sa.Column("action", sa.String(length=100), nullable=False),
        sa.Column("target", sa.String(length=300), nullable=False),
        sa.Column("details", sa.Text(), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_audit_log")),
    )
    op.create_table(
        "counterparties",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=512), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_counterparties")),
        sa.UniqueConstraint("key", name=op.f("uq_counterparties_key")),
    )
    op.create_table(
        "counters",
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_counters")),
    )
    op.create_table(
        "teams",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("sensitivity", sa.Float(), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
        sa.CheckConstraint("sensitivity >= 0", name=op.f("ck_teams_sensitivity_not_negative")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_teams")),
        sa.UniqueConstraint("name", name=op.f("uq_teams_name")),
    )
    op.create_table(
        "verdict_templates",
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=True),
        sa.Column("updated_by", sa.String(length=150), nullable=True),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_verdict_templates")),
    )
    op.create_table(
        "indicators",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("alert_pk", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(length=40), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("value_norm", sa.String(length=512), nullable=False),
        sa.Column("persona", sa.String(length=200), nullable=True),
        sa.Column("tlp", sa.String(length=20), nullable=False),
        sa.CheckConstraint(
            "tlp IN ('TLP:CLEAR', 'TLP:GREEN', 'TLP:AMBER', 'TLP:AMBER+STRICT', 'TLP:RED')",
            name=op.f("ck_indicators_tlp"),
        ),
        sa.ForeignKeyConstraint(
            ["alert_pk"],
            ["alerts.id"],
            name=op.f("fk_indicators_alert_pk_alerts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_indicators")),
    )
    op.create_index(op.f("ix_indicators_alert_pk"), "indicators", ["alert_pk"])
    op.create_index(op.f("ix_indicators_type_value_norm"), "indicators", ["type", "value_norm"])
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=150), nullable=False),
        sa.Column("display_name", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=True),
        sa.Column("password_hash", sa.String(length=255), nullable=True),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
        sa.CheckConstraint("role IN ('reporter', 'analyst', 'admin')", name=op.f("ck_users_role")),
        sa.ForeignKeyConstraint(["team_id"], ["teams.id"], name=op.f("fk_users_team_id_teams")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("username", name=op.f("uq_users_username")),
    )
    op.create_index(op.f("ix_users_team_id"), "users", ["team_id"])
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("token_sha256", sa.String(length=64), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("revoked_at", TIMESTAMP, nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_api_tokens_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_tokens")),
        sa.UniqueConstraint("token_sha256", name=op.f("uq_api_tokens_token_sha256")),
    )
    op.create_index(op.f("ix_api_tokens_user_id"), "api_tokens", ["user_id"])
    op.create_table(
        "cases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=500), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("severity", sa.String(length=10), nullable=False),
        sa.Column("tlp", sa.String(length=20), nullable=False),
        sa.Column("pap", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("assignee_id", sa.Integer(), nullable=True),
        sa.Column("created_by", sa.String(length=150), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
        sa.CheckConstraint(
            "pap IN ('PAP:CLEAR', 'PAP:GREEN', 'PAP:AMBER', 'PAP:RED')", name=op.f("ck_cases_pap")
        ),
        sa.CheckConstraint(
            "severity IN ('low', 'medium', 'high', 'critical')", name=op.f("ck_cases_severity")
        ),
        sa.CheckConstraint(
            "status IN ('New', 'InProgress', 'TruePositive', 'FalsePositive', "
            "'Duplicated', 'Indeterminate')",
            name=op.f("ck_cases_status"),
        ),
        sa.CheckConstraint(
            "tlp IN ('TLP:CLEAR', 'TLP:GREEN', 'TLP:AMBER', 'TLP:AMBER+STRICT', 'TLP:RED')",
            name=op.f("ck_cases_tlp"),
        ),
        sa.ForeignKeyConstraint(
            ["assignee_id"], ["users.id"], name=op.f("fk_cases_assignee_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cases")),
    )
    op.create_index(op.f("ix_cases_assignee_id"), "cases", ["assignee_id"])
    op.create_index(op.f("ix_cases_status"), "cases", ["status"])
    op.create_table(
        "reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=32), nullable=False),
        sa.Column("reporter_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("received_at", TIMESTAMP, nullable=False),
        sa.Column("items", JSON, nullable=False),
        sa.Column("assessment", JSON, nullable=True),
        sa.Column("level", sa.String(length=10), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("is_exercise", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("verdict_key", sa.String(length=100), nullable=True),
        sa.Column("verdict_text", sa.Text(), nullable=True),
        sa.Column("verdict_at", TIMESTAMP, nullable=True),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
        sa.CheckConstraint(
            "channel IN ('web', 'cli', 'api', 'email')", name=op.f("ck_reports_channel")
        ),
        sa.CheckConstraint("level IN ('low', 'medium', 'high')", name=op.f("ck_reports_level")),
        sa.CheckConstraint(
            "status IN ('received', 'in_review', 'closed')", name=op.f("ck_reports_status")
        ),
        sa.CheckConstraint("score >= 0 AND score <= 100", name=op.f("ck_reports_score_range")),
        sa.ForeignKeyConstraint(
            ["reporter_id"], ["users.id"], name=op.f("fk_reports_reporter_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["verdict_key"],
            ["verdict_templates.key"],
            name=op.f("fk_reports_verdict_key_verdict_templates"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reports")),
        sa.UniqueConstraint("reference", name=op.f("uq_reports_reference")),
    )
    op.create_index(op.f("ix_reports_received_at"), "reports", ["received_at"])
    op.create_index(op.f("ix_reports_reporter_id"), "reports", ["reporter_id"])
    op.create_index(op.f("ix_reports_score"), "reports", ["score"])
    op.create_index(op.f("ix_reports_status"), "reports", ["status"])
    op.create_table(
        "case_notes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("author", sa.String(length=150), nullable=False),
        sa.Column("at", TIMESTAMP, nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_case_notes_case_id_cases"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_notes")),
    )
    op.create_index(op.f("ix_case_notes_case_id"), "case_notes", ["case_id"])
    op.create_table(
        "case_reports",
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("linked_at", TIMESTAMP, nullable=False),
        sa.Column("linked_by", sa.String(length=150), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_case_reports_case_id_cases"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["report_id"],
            ["reports.id"],
            name=op.f("fk_case_reports_report_id_reports"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("case_id", "report_id", name=op.f("pk_case_reports")),
    )
    op.create_index(op.f("ix_case_reports_report_id"), "case_reports", ["report_id"])
    op.create_table(
        "case_tags",
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("tag", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_case_tags_case_id_cases"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("case_id", "tag", name=op.f("pk_case_tags")),
    )
    op.create_index(op.f("ix_case_tags_tag"), "case_tags", ["tag"])
    op.create_table(
        "observations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("counterparty_id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("company", sa.Text(), nullable=False),
        sa.Column("profile_url", sa.Text(), nullable=True),
        sa.Column("first_contact", sa.String(length=40), nullable=True),
        sa.Column("last_contact", sa.String(length=40), nullable=True),
        sa.Column("level", sa.String(length=10), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("findings", JSON, nullable=False),
        sa.Column("reported_at", TIMESTAMP, nullable=False),
        sa.Column("is_exercise", sa.Boolean(), nullable=False),
        sa.CheckConstraint(
            "level IN ('low', 'medium', 'high')", name=op.f("ck_observations_level")
        ),
        sa.ForeignKeyConstraint(
            ["counterparty_id"],
            ["counterparties.id"],
            name=op.f("fk_observations_counterparty_id_counterparties"),
        ),
        sa.ForeignKeyConstraint(
            ["report_id"],
            ["reports.id"],
            name=op.f("fk_observations_report_id_reports"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_observations")),
        sa.UniqueConstraint(
            "report_id", "position", name=op.f("uq_observations_report_id_position")
        ),
    )
    op.create_index(op.f("ix_observations_counterparty_id"), "observations", ["counterparty_id"])
    verdicts = sa.table(
        "verdict_templates",
        sa.column("key", sa.String),
        sa.column("text", sa.Text),
    )
    op.bulk_insert(verdicts, [{"key": k, "text": v} for k, v in DEFAULT_VERDICTS.items()])


def downgrade() -> None:
    op.drop_table("observations")
    op.drop_table("case_tags")
    op.drop_table("case_reports")
    op.drop_table("case_notes")
    op.drop_table("reports")
    op.drop_table("cases")
    op.drop_table("api_tokens")
    op.drop_table("users")
    op.drop_table("indicators")
    op.drop_table("verdict_templates")
    op.drop_table("teams")
    op.drop_table("counters")
    op.drop_table("counterparties")
    op.drop_table("audit_log")
    op.drop_table("alerts")
