"""Counts for the office's dashboard and persona list, done in SQL (GROUP BY), never by
loading reports: a store may hold a hundred thousand of them.

Time buckets are computed the same way on both backends: the database groups
by the UTC calendar day (SQLite's ``date()`` of the stored UTC wall time;
PostgreSQL's ``received_at AT TIME ZONE 'UTC'`` cast to a date, whatever the
session's time zone), and Python folds days into weeks starting on Monday.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import sqlalchemy as sa
from sqlalchemy.orm import InstrumentedAttribute, Session, aliased

from lurewatch.identity import canon_profile_url, norm_name
from lurewatch.model import Level
from lurewatch.store.core import StoreCore
from lurewatch.store.errors import InvalidValue, NotFound
from lurewatch.store.normalise import cap
from lurewatch.store.records import (
    PERSONA_ORDERS,
    REPORT_STATUSES,
    OfficeFigures,
    PersonaOrder,
    PersonaRank,
    PersonaReport,
    ReportStatus,
    TeamCounts,
    WeekCounts,
)
from lurewatch.store.schema import (
    CaseRow,
    CounterpartyRow,
    ObservationRow,
    ReportRow,
    TeamRow,
    UserRow,
)

OPEN_CASE_STATUSES = ("New", "InProgress")
MAX_WEEKS = 104
# Levels as numbers, so the highest rating of a persona is a MAX().
_LEVEL_RANK = sa.case(
    (ObservationRow.level == Level.HIGH.value, 2),
    (ObservationRow.level == Level.MEDIUM.value, 1),
    else_=0,
)
_RANK_LEVEL = {2: Level.HIGH, 1: Level.MEDIUM, 0: Level.LOW}


def week_start(day: dt.date) -> dt.date:
    """The Monday of ``day``'s week."""
    return day - dt.timedelta(days=day.weekday())


def _as_date(value: object) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def _aware(value: object) -> dt.datetime:
    """Aggregates bypass the column type on SQLite (text, naive): an aware UTC datetime."""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    assert isinstance(value, dt.datetime)
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


class FiguresMixin(StoreCore):
    def _utc_day(self, column: InstrumentedAttribute[dt.datetime]) -> sa.ColumnElement[object]:
        if self.dialect == "postgresql":
            return sa.cast(sa.func.timezone("UTC", column), sa.Date)
        return sa.func.date(column)

    # -- the dashboard ---------------------------------------------------------------

    def office_figures(self, *, weeks: int = 12) -> OfficeFigures:
        """Headline counts and reports per week and per team over the last ``weeks`` weeks.

        Exercises are left out everywhere. ``last_7_days`` and ``last_30_days``
        count reports received in that many days up to now; ``high_30_days``
        those of them rated high; ``awaiting_verdict`` every report not closed
        and without a verdict; ``open_cases`` cases New or InProgress.
        """
        if not 1 <= weeks <= MAX_WEEKS:
            raise InvalidValue(f"weeks {weeks}: expected 1 to {MAX_WEEKS}")
        now = self._clock()
        first_week = week_start(now.date()) - dt.timedelta(weeks=weeks - 1)
        since = dt.datetime.combine(first_week, dt.time(), tzinfo=dt.UTC)
        real = ReportRow.is_exercise.is_(False)
        week_ago, month_ago = now - dt.timedelta(days=7), now - dt.timedelta(days=30)
        headline = sa.select(
            sa.func.count(ReportRow.id).filter(ReportRow.received_at > week_ago),
            sa.func.count(ReportRow.id).filter(ReportRow.received_at > month_ago),
            sa.func.count(ReportRow.id).filter(
                ReportRow.received_at > month_ago, ReportRow.level == Level.HIGH.value
            ),
            sa.func.count(ReportRow.id).filter(
                ReportRow.verdict_key.is_(None), ReportRow.status != "closed"
            ),
        ).where(real)
        day = self._utc_day(ReportRow.received_at).label("day")
        per_day = (
            sa.select(day, ReportRow.level, sa.func.count(ReportRow.id))
            .where(real, ReportRow.received_at >= since)
            .group_by(day, ReportRow.level)
        )
        per_team = (
            sa.select(TeamRow.name, TeamRow.sensitivity, ReportRow.level, sa.func.count())
            .select_from(ReportRow)
            .join(UserRow, UserRow.id == ReportRow.reporter_id)
            .outerjoin(TeamRow, TeamRow.id == UserRow.team_id)
            .where(real, ReportRow.received_at >= since)
            .group_by(TeamRow.name, TeamRow.sensitivity, ReportRow.level)
        )
        open_cases = sa.select(sa.func.count(CaseRow.id)).where(
            CaseRow.status.in_(OPEN_CASE_STATUSES)
        )
        with self._read(snapshot=True) as s:
            last_7, last_30, high_30, waiting = s.execute(headline).one()
            n_open = s.execute(open_cases).scalar_one()
            by_week: dict[dt.date, dict[str, int]] = defaultdict(dict)
            for value, level, n in s.execute(per_day):
                counts = by_week[week_start(_as_date(value))]
                counts[level] = counts.get(level, 0) + int(n)
            by_team: dict[tuple[str | None, float | None], dict[str, int]] = defaultdict(dict)
            for name, sensitivity, level, n in s.execute(per_team):
                by_team[(name, sensitivity)][level] = int(n)
        week_rows = tuple(
            WeekCounts(week=w, **by_week.get(w, {}))
            for w in (first_week + dt.timedelta(weeks=i) for i in range(weeks))
        )
        team_rows = sorted(
            (TeamCounts(team=name, sensitivity=sens, **c) for (name, sens), c in by_team.items()),
            key=lambda t: (-t.total, t.team is None, t.team or ""),
        )
        return OfficeFigures(
            as_of=now,
            last_7_days=int(last_7),
            last_30_days=int(last_30),
            high_30_days=int(high_30),
            open_cases=int(n_open),
            awaiting_verdict=int(waiting),
            weeks=week_rows,
            teams=tuple(team_rows),
        )

    # -- personas --------------------------------------------------------------------

    def rank_personas(
        self,
        *,
        q: str = "",
        order: PersonaOrder = "reports",
        include_exercises: bool = False,
        limit: int = 100,
        offset: int = 0,
    ) -> list[PersonaRank]:
        """Counterparties with how far they reached, ranked by ``order``.

        ``q`` keeps those whose name or company, as written in any report,
        contains it (folded as :func:`lurewatch.identity.norm_name`; ``%``
        and ``_`` match themselves) or whose profile address is ``q``.
        ``staff`` counts distinct reporters and ``teams`` their distinct teams.
        """
        if order not in PERSONA_ORDERS:
            raise InvalidValue(f"order {order!r}: expected one of {', '.join(PERSONA_ORDERS)}")
        obs = ObservationRow
        latest = aliased(ObservationRow)

        def latest_value(column: InstrumentedAttribute[str]) -> sa.ScalarSelect[str]:
            query = (
                sa.select(column)
                .where(latest.counterparty_id == CounterpartyRow.id)
                .order_by(latest.reported_at.desc(), latest.id.desc())
                .limit(1)
            )
            if not include_exercises:
                query = query.where(latest.is_exercise.is_(False))
            return query.correlate(CounterpartyRow).scalar_subquery()

        n_reports = sa.func.count(sa.distinct(obs.report_id))
        n_staff = sa.func.count(sa.distinct(ReportRow.reporter_id))
        last = sa.func.max(obs.reported_at)
        top_level = sa.func.max(_LEVEL_RANK)
        top_score = sa.func.max(obs.score)
        query = (
            sa.select(
                CounterpartyRow.key,
                latest_value(latest.name),
                latest_value(latest.company),
                n_reports,
                n_staff,
                sa.func.count(sa.distinct(UserRow.team_id)),
                sa.func.min(obs.reported_at),
                last,
                top_level,
                top_score,
            )
            .join(obs, obs.counterparty_id == CounterpartyRow.id)
            .join(ReportRow, ReportRow.id == obs.report_id)
            .join(UserRow, UserRow.id == ReportRow.reporter_id)
            .group_by(CounterpartyRow.id, CounterpartyRow.key)
            .limit(limit)
            .offset(offset)
        )
        ordering = {
            "reports": (n_reports.desc(), n_staff.desc()),
            "staff": (n_staff.desc(), n_reports.desc()),
            "level": (top_level.desc(), top_score.desc()),
            "recent": (),
        }[order]
        query = query.order_by(*ordering, last.desc(), CounterpartyRow.id.desc())
        if not include_exercises:
            query = query.where(obs.is_exercise.is_(False))
        match = _persona_match(q)
        if match is not None:
            query = query.where(CounterpartyRow.id.in_(match))
        with self._read() as s:
            return [
                PersonaRank(
                    key=key,
                    name=name or "",
                    company=company or "",
                    reports=int(reports),
                    staff=int(staff),
                    teams=int(teams),
                    first_reported=_aware(first),
                    last_reported=_aware(latest_at),
                    level=_RANK_LEVEL[int(level)],
                    max_score=int(score),
                )
                for key, name, company, reports, staff, teams, first, latest_at, level, score in (
                    s.execute(query)
                )
            ]

    def persona_reports(self, key: str) -> list[PersonaReport]:
        """The reports naming the counterparty ``key``, oldest first, with who sent them."""
        with self._read() as s:
            cid = self._counterparty_id(s, key)
            rows = s.execute(
                sa.select(
                    ReportRow.reference,
                    UserRow.username,
                    TeamRow.name,
                    ReportRow.received_at,
                    ReportRow.status,
                )
                .join(UserRow, UserRow.id == ReportRow.reporter_id)
                .outerjoin(TeamRow, TeamRow.id == UserRow.team_id)
                .where(
                    ReportRow.id.in_(
                        sa.select(ObservationRow.report_id).where(
                            ObservationRow.counterparty_id == cid
                        )
                    )
                )
                .order_by(ReportRow.received_at, ReportRow.id)
            ).all()
            return [
                PersonaReport(
                    reference=reference,
                    reporter=username,
                    reporter_team=team,
                    received_at=received_at,
                    status=_status(status),
                )
                for reference, username, team, received_at, status in rows
            ]

    @staticmethod
    def _counterparty_id(s: Session, key: str) -> int:
        cid = s.scalar(sa.select(CounterpartyRow.id).where(CounterpartyRow.key == key))
        if cid is None:
            raise NotFound(f"no counterparty {key!r}")
        return cid


def _status(value: str) -> ReportStatus:
    if value not in REPORT_STATUSES:
        raise InvalidValue(f"report status {value!r} in the database")
    return value  # type: ignore[return-value]


def _persona_match(q: str) -> sa.Select[int] | None:
    """Ids of counterparties whose name, company or profile address matches ``q``."""
    needle = norm_name(q)
    canon = canon_profile_url(q) if "/" in q else None
    obs = ObservationRow
    matches: list[sa.ColumnElement[bool]] = []
    if needle:
        matches.append(obs.name_norm.contains(needle, autoescape=True))
        matches.append(obs.company_norm.contains(needle, autoescape=True))
    if canon:
        matches.append(
            obs.counterparty_id.in_(
                sa.select(CounterpartyRow.id).where(CounterpartyRow.key == cap("url:" + canon))
            )
        )
    if not q.strip():
        return None
    if not matches:
        return sa.select(obs.counterparty_id).where(sa.false())
    return sa.select(obs.counterparty_id).where(sa.or_(*matches))
