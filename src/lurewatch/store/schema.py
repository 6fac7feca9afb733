"""The tables, as SQLAlchemy 2 typed ORM classes. Private to the store.

Every change here needs an Alembic revision in ``migrations/versions``; the
test ``tests/store/test_schema.py`` fails when the two disagree.

Enumerations (roles, statuses, TLP labels) are strings with CHECK
constraints, so a row read with plain SQL says what it means and a TLP is a
label (``TLP:AMBER``), never an integer.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from lurewatch.store.errors import InvalidValue
from lurewatch.store.records import (
    CASE_STATUSES,
    CHANNELS,
    HUNT_STATES,
    LEVELS,
    PAP_LABELS,
    REPORT_STATUSES,
    ROLES,
    SEVERITIES,
    TLPS,
)

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_N_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# Keys and normalised values are indexed; PostgreSQL's b-tree refuses very long
# entries, so these are capped (see lurewatch.store.normalise.cap).
KEY_CHARS = 512


class UTCDateTime(sa.TypeDecorator[dt.datetime]):
    """An aware datetime, stored in UTC and always read back aware in UTC.

    SQLite has no time zones: the UTC wall time is stored and UTC is put back
    on reading, so both backends hand out the same values. A naive datetime
    is refused (the clock must be aware).
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise InvalidValue(f"naive datetime {value.isoformat()}: give an aware (UTC) time")
        utc = value.astimezone(dt.UTC)
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(
        self, value: dt.datetime | None, dialect: Dialect
    ) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


# JSON on SQLite, JSONB on PostgreSQL (queryable and indexable there).
JSONType = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def _one_of(column: str, values: tuple[str, ...], name: str) -> sa.CheckConstraint:
    quoted = ", ".join("'" + v.replace("'", "''") + "'" for v in values)
    return sa.CheckConstraint(f"{column} IN ({quoted})", name=name)


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {dt.datetime: UTCDateTime()}


class TeamRow(Base):
    __tablename__ = "teams"
    __table_args__ = (sa.CheckConstraint("sensitivity >= 0", name="sensitivity_not_negative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200), unique=True)
    sensitivity: Mapped[float] = mapped_column(sa.Float, default=1.0)
    created_at: Mapped[dt.datetime]
    updated_at: Mapped[dt.datetime]


class UserRow(Base):
    __tablename__ = "users"
    __table_args__ = (_one_of("role", ROLES, "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(150), unique=True)
    display_name: Mapped[str] = mapped_column(sa.String(200))
    role: Mapped[str] = mapped_column(sa.String(20))
    team_id: Mapped[int | None] = mapped_column(sa.ForeignKey("teams.id"), index=True)
    password_hash: Mapped[str | None] = mapped_column(sa.String(255))
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[dt.datetime]
    updated_at: Mapped[dt.datetime]


class ApiTokenRow(Base):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    token_sha256: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[dt.datetime]
    revoked_at: Mapped[dt.datetime | None]
    # Written at most once per users.TOKEN_USE_EVERY, so the check on every request stays a read.
    last_used_at: Mapped[dt.datetime | None]


class LoginSessionRow(Base):
    """A person's login session. The cookie holds its id; only the id's SHA-256 is kept here."""

    __tablename__ = "login_sessions"

    id_sha256: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    username: Mapped[str] = mapped_column(
        sa.String(150), sa.ForeignKey("users.username", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[dt.datetime]
    # Written at most once per login_sessions.LAST_SEEN_EVERY (see there).
    last_seen: Mapped[dt.datetime]


class CounterRow(Base):
    """Named counters: report numbers per year, and the audit log's length."""

    __tablename__ = "counters"

    name: Mapped[str] = mapped_column(sa.String(100), primary_key=True)
    value: Mapped[int] = mapped_column(sa.BigInteger)


class VerdictTemplateRow(Base):
    __tablename__ = "verdict_templates"

    key: Mapped[str] = mapped_column(sa.String(100), primary_key=True)
    text: Mapped[str] = mapped_column(sa.Text)
    updated_at: Mapped[dt.datetime | None]
    updated_by: Mapped[str | None] = mapped_column(sa.String(150))


class ReportRow(Base):
    __tablename__ = "reports"
    __table_args__ = (
        _one_of("channel", CHANNELS, "channel"),
        _one_of("level", LEVELS, "level"),
        _one_of("status", REPORT_STATUSES, "status"),
        sa.CheckConstraint("score >= 0 AND score <= 100", name="score_range"),
        # The triage queue filtered by level, newest first.
        sa.Index("ix_reports_level_received_at", "level", "received_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(sa.String(32), unique=True)
    reporter_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    channel: Mapped[str] = mapped_column(sa.String(10))
    received_at: Mapped[dt.datetime] = mapped_column(index=True)
    items: Mapped[Any] = mapped_column(JSONType)
    assessment: Mapped[Any | None] = mapped_column(JSONType)
    level: Mapped[str] = mapped_column(sa.String(10))
    score: Mapped[int] = mapped_column(sa.Integer, index=True)
    is_exercise: Mapped[bool] = mapped_column(default=False)
    status: Mapped[str] = mapped_column(sa.String(20), index=True)
    verdict_key: Mapped[str | None] = mapped_column(sa.ForeignKey("verdict_templates.key"))
    verdict_text: Mapped[str | None] = mapped_column(sa.Text)
    verdict_at: Mapped[dt.datetime | None]
    updated_at: Mapped[dt.datetime]


class CounterpartyRow(Base):
    __tablename__ = "counterparties"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(KEY_CHARS), unique=True)
    created_at: Mapped[dt.datetime]


class ObservationRow(Base):
    __tablename__ = "observations"
    __table_args__ = (
        sa.UniqueConstraint("report_id", "position"),
        _one_of("level", LEVELS, "level"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    counterparty_id: Mapped[int] = mapped_column(sa.ForeignKey("counterparties.id"), index=True)
    report_id: Mapped[int] = mapped_column(sa.ForeignKey("reports.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(sa.Integer)  # index of the contact in the report
    name: Mapped[str] = mapped_column(sa.Text)
    company: Mapped[str] = mapped_column(sa.Text)
    # lurewatch.identity.norm_name of name and company: what search compares against.
    name_norm: Mapped[str] = mapped_column(sa.Text, server_default="")
    company_norm: Mapped[str] = mapped_column(sa.Text, server_default="")
    profile_url: Mapped[str | None] = mapped_column(sa.Text)
    first_contact: Mapped[str | None] = mapped_column(sa.String(40))
    last_contact: Mapped[str | None] = mapped_column(sa.String(40))
    level: Mapped[str] = mapped_column(sa.String(10))
    score: Mapped[int] = mapped_column(sa.Integer)
    findings: Mapped[Any] = mapped_column(JSONType)
    # Copied from the report so a persona's timeline and figures need no join.
    reported_at: Mapped[dt.datetime]
    is_exercise: Mapped[bool] = mapped_column(default=False)


class CaseRow(Base):
    __tablename__ = "cases"
    __table_args__ = (
        _one_of("severity", SEVERITIES, "severity"),
        _one_of("tlp", TLPS, "tlp"),
        _one_of("pap", PAP_LABELS, "pap"),
        _one_of("status", CASE_STATUSES, "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(500))
    description: Mapped[str] = mapped_column(sa.Text)
    severity: Mapped[str] = mapped_column(sa.String(10))
    tlp: Mapped[str] = mapped_column(sa.String(20))
    pap: Mapped[str] = mapped_column(sa.String(20))
    status: Mapped[str] = mapped_column(sa.String(20), index=True)
    assignee_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    created_by: Mapped[str] = mapped_column(sa.String(150))
    created_at: Mapped[dt.datetime]
    updated_at: Mapped[dt.datetime]


class CaseTagRow(Base):
    __tablename__ = "case_tags"

    case_id: Mapped[int] = mapped_column(
        sa.ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True
    )
    tag: Mapped[str] = mapped_column(sa.String(200), primary_key=True, index=True)


class CaseReportRow(Base):
    __tablename__ = "case_reports"

    case_id: Mapped[int] = mapped_column(
        sa.ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True
    )
    report_id: Mapped[int] = mapped_column(
        sa.ForeignKey("reports.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    linked_at: Mapped[dt.datetime]
    linked_by: Mapped[str] = mapped_column(sa.String(150))


class CaseNoteRow(Base):
    __tablename__ = "case_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    author: Mapped[str] = mapped_column(sa.String(150))
    at: Mapped[dt.datetime]
    text: Mapped[str] = mapped_column(sa.Text)


class AlertRow(Base):
    __tablename__ = "alerts"
    __table_args__ = (_one_of("tlp", TLPS, "tlp"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    alert_id: Mapped[str] = mapped_column(sa.String(200), unique=True)
    title: Mapped[str] = mapped_column(sa.Text)
    tlp: Mapped[str] = mapped_column(sa.String(20))
    source: Mapped[str] = mapped_column(sa.Text)
    issued: Mapped[dt.date | None] = mapped_column(sa.Date)
    # The alert as given, in lurewatch's own JSON (exchange.alertfile.alert_to_json).
    body: Mapped[str] = mapped_column(sa.Text)
    personas: Mapped[int] = mapped_column(sa.Integer)
    imported_at: Mapped[dt.datetime]
    imported_by: Mapped[str] = mapped_column(sa.String(150))


class IndicatorRow(Base):
    __tablename__ = "indicators"
    __table_args__ = (
        sa.Index("ix_indicators_type_value_norm", "type", "value_norm"),
        _one_of("tlp", TLPS, "tlp"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    alert_pk: Mapped[int] = mapped_column(
        sa.ForeignKey("alerts.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(sa.Integer)
    type: Mapped[str] = mapped_column(sa.String(40))
    value: Mapped[str] = mapped_column(sa.Text)
    value_norm: Mapped[str] = mapped_column(sa.String(KEY_CHARS))
    persona: Mapped[str | None] = mapped_column(sa.String(200))
    tlp: Mapped[str] = mapped_column(sa.String(20))


class SavedViewRow(Base):
    """A triage queue's filters, saved under a name by one analyst."""

    __tablename__ = "saved_views"
    __table_args__ = (sa.UniqueConstraint("user_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(sa.String(200))
    query: Mapped[str] = mapped_column(sa.Text)  # the queue's URL query string
    created_at: Mapped[dt.datetime]


class AlertMatchRow(Base):
    """A stored report's contact that an alert's retro-hunt matched, and why."""

    __tablename__ = "alert_matches"
    __table_args__ = (
        sa.UniqueConstraint("alert_pk", "report_id", "position"),
        _one_of("strength", ("strong", "possible"), "strength"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    alert_pk: Mapped[int] = mapped_column(
        sa.ForeignKey("alerts.id", ondelete="CASCADE"), index=True
    )
    report_id: Mapped[int] = mapped_column(
        sa.ForeignKey("reports.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(sa.Integer)  # the contact's index in the report
    strength: Mapped[str] = mapped_column(sa.String(10))
    persona: Mapped[str | None] = mapped_column(sa.Text)
    details: Mapped[Any] = mapped_column(JSONType)  # what agreed, one line each
    found_at: Mapped[dt.datetime]


class AlertHuntRow(Base):
    """Where the latest retro-hunt of a stored alert stands (one row per alert as imported).

    Re-importing an alert replaces its ``alerts`` row, and this row goes with it.
    """

    __tablename__ = "alert_hunts"
    __table_args__ = (_one_of("state", HUNT_STATES, "state"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    alert_pk: Mapped[int] = mapped_column(
        sa.ForeignKey("alerts.id", ondelete="CASCADE"), unique=True
    )
    state: Mapped[str] = mapped_column(sa.String(20))
    searched: Mapped[int] = mapped_column(sa.Integer)
    total: Mapped[int] = mapped_column(sa.Integer)
    requested_by: Mapped[str] = mapped_column(sa.String(150))
    requested_at: Mapped[dt.datetime]
    started_at: Mapped[dt.datetime | None]
    finished_at: Mapped[dt.datetime | None]
    error: Mapped[str | None] = mapped_column(sa.Text)


class CampaignRow(Base):
    """Approaches linked to one operator (see lurewatch.campaigns); rebuilt by a relink."""

    __tablename__ = "campaigns"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    created_at: Mapped[dt.datetime]
    updated_at: Mapped[dt.datetime]
    named_by: Mapped[str | None] = mapped_column(sa.String(150))  # None: the generated name


class CampaignMemberRow(Base):
    """A stored contact in a campaign: at most one campaign per contact."""

    __tablename__ = "campaign_members"

    campaign_id: Mapped[int] = mapped_column(
        sa.ForeignKey("campaigns.id", ondelete="CASCADE"), index=True
    )
    report_id: Mapped[int] = mapped_column(
        sa.ForeignKey("reports.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(sa.Integer, primary_key=True)  # the contact's index


class CampaignLinkRow(Base):
    """Why two contacts of a campaign are linked (one reason per row)."""

    __tablename__ = "campaign_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(
        sa.ForeignKey("campaigns.id", ondelete="CASCADE"), index=True
    )
    a_report_id: Mapped[int] = mapped_column(sa.Integer)
    a_position: Mapped[int] = mapped_column(sa.Integer)
    b_report_id: Mapped[int] = mapped_column(sa.Integer)
    b_position: Mapped[int] = mapped_column(sa.Integer)
    reason: Mapped[str] = mapped_column(sa.String(40))
    detail: Mapped[str] = mapped_column(sa.Text)


class CampaignDecisionRow(Base):
    """An analyst's merge, split or name, replayed after every relink."""

    __tablename__ = "campaign_decisions"
    __table_args__ = (_one_of("kind", ("merge", "split", "name"), "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(10))
    details: Mapped[Any] = mapped_column(JSONType)
    actor: Mapped[str] = mapped_column(sa.String(150))
    at: Mapped[dt.datetime]


class AuditRow(Base):
    """Append-only. ``hash`` = SHA-256 of the canonical JSON of the entry (see audit.py)."""

    __tablename__ = "audit_log"

    seq: Mapped[int] = mapped_column(sa.BigInteger, primary_key=True, autoincrement=False)
    at: Mapped[dt.datetime]
    actor: Mapped[str] = mapped_column(sa.String(150))
    action: Mapped[str] = mapped_column(sa.String(100))
    target: Mapped[str] = mapped_column(sa.String(300))
    details: Mapped[str] = mapped_column(sa.Text)  # canonical JSON text, exactly as hashed
    prev_hash: Mapped[str] = mapped_column(sa.String(64))
    hash: Mapped[str] = mapped_column(sa.String(64))


# -- fan-out contributions (issue 6) ---------------------------------------------------------

FANOUT_KINDS = ("url", "name_company", "handle")


class FanoutFileRow(Base):
    """A member of staff's latest ``--share-fanout`` file: one each (a re-upload replaces it)."""

    __tablename__ = "fanout_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    key_id: Mapped[str] = mapped_column(sa.String(16))
    received_at: Mapped[dt.datetime]
    contacts: Mapped[int] = mapped_column(sa.Integer)


class FanoutSightingRow(Base):
    """One keyed hash of a counterparty in a fan-out file, with a day it wrote (None: no date)."""

    __tablename__ = "fanout_sightings"
    __table_args__ = (
        sa.Index("ix_fanout_sightings_kind_hash_day", "kind", "hash", "day"),
        _one_of("kind", FANOUT_KINDS, "kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    file_id: Mapped[int] = mapped_column(
        sa.ForeignKey("fanout_files.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(sa.String(20))
    hash: Mapped[str] = mapped_column(sa.String(64))
    day: Mapped[dt.date | None] = mapped_column(sa.Date)
