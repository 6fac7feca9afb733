"""Reports from staff, feedback to them (status and verdict), and who they reported."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from typing import Any

import msgspec
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, aliased, defer

from lurewatch.identity import canon_profile_url, norm_name
from lurewatch.model import Assessment, Level
from lurewatch.store.core import StoreCore
from lurewatch.store.errors import InvalidValue, NotFound, StoreError
from lurewatch.store.normalise import cap, contact_key
from lurewatch.store.records import (
    CHANNELS,
    REPORT_ORDERS,
    REPORT_STATUSES,
    Channel,
    Counterparty,
    CounterpartySummary,
    FindingSummary,
    Observation,
    Report,
    ReportOrder,
    ReportStatus,
    ReportSubmission,
    ReportSummary,
    SearchHits,
    SubmittedContact,
    VerdictTemplate,
)
from lurewatch.store.schema import (
    CaseReportRow,
    CounterpartyRow,
    ObservationRow,
    ReportRow,
    TeamRow,
    UserRow,
    VerdictTemplateRow,
)

REFERENCE_PREFIX = "LW"
MAX_CONTACTS = 1_000


def reference_for(year: int, number: int) -> str:
    """``LW-2026-000123``: the year of receipt and the report's number within that year."""
    return f"{REFERENCE_PREFIX}-{year:04d}-{number:06d}"


def _check_status(status: str) -> ReportStatus:
    if status not in REPORT_STATUSES:
        raise InvalidValue(
            f"report status {status!r}: expected one of {', '.join(REPORT_STATUSES)}"
        )
    return status  # type: ignore[return-value]


def _channel(channel: str) -> Channel:
    if channel not in CHANNELS:
        raise InvalidValue(f"channel {channel!r}: expected one of {', '.join(CHANNELS)}")
    return channel  # type: ignore[return-value]


def _summaries(contact: SubmittedContact) -> list[dict[str, Any]]:
    return [{"id": f.id, "title": f.title, "weight": f.weight} for f in contact.findings]


def _counterparty_upsert(insert: Any) -> sa.Executable:
    """Create counterparty ``:key`` unless it exists (safe under concurrency)."""
    create: sa.Executable = (
        insert(CounterpartyRow)
        .values(key=sa.bindparam("key"), created_at=sa.bindparam("created_at"))
        .on_conflict_do_nothing(index_elements=[CounterpartyRow.key])
    )
    return create


# Built once: what the intake runs for every batch of reports (see _write_reports).
_REPORTERS = sa.select(UserRow.id, UserRow.username, UserRow.is_active).where(
    UserRow.username.in_(sa.bindparam("names", expanding=True))
)
_INSERT_REPORTS = sa.insert(ReportRow).returning(ReportRow.id, sort_by_parameter_order=True)
_CREATE_COUNTERPARTIES = {
    "sqlite": _counterparty_upsert(sqlite.insert),
    "postgresql": _counterparty_upsert(postgresql.insert),
}
_COUNTERPARTY_IDS = sa.select(CounterpartyRow.key, CounterpartyRow.id).where(
    CounterpartyRow.key.in_(sa.bindparam("keys", expanding=True))
)
_INSERT_OBSERVATIONS = sa.insert(ObservationRow)
# Keys looked up per statement: well under every backend's limit on bound parameters.
_KEYS_PER_LOOKUP = 500


class _Intake(msgspec.Struct, frozen=True):
    """A submission checked and prepared for the intake, before any database work."""

    submission: ReportSubmission
    level: Level
    score: int
    # (counterparty key, position in the report, contact), sorted by key.
    keyed: tuple[tuple[str, int, SubmittedContact], ...]


def _prepare(submission: ReportSubmission) -> _Intake:
    """The submission checked (InvalidValue says what is wrong) and its keys worked out."""
    _channel(submission.channel)
    if not submission.contacts:
        raise InvalidValue("a report needs at least one contact (what the person chose to send)")
    if len(submission.contacts) > MAX_CONTACTS:
        raise InvalidValue(f"a report may carry at most {MAX_CONTACTS} contacts")
    if submission.assessment is not None:
        level, score = submission.assessment.level, submission.assessment.score
    else:
        top = max(submission.contacts, key=lambda c: c.score)
        level, score = top.level, top.score
    if not 0 <= score <= 100:
        raise InvalidValue(f"score {score}: expected 0 to 100")
    keyed = sorted(
        (key, i, c)
        for i, c in enumerate(submission.contacts)
        if (key := contact_key(c.name, c.profile_url)) is not None
    )
    return _Intake(submission, level, score, tuple(keyed))


class ReportsMixin(StoreCore):
    # -- intake ----------------------------------------------------------------------

    def submit_report(self, submission: ReportSubmission) -> Report:
        """Store a report and give it its reference number, in one committed transaction.

        When this returns, the report is on disk: acknowledge it to the person
        only afterwards. Every contact with a name or profile address becomes
        an observation of that counterparty.
        """
        (outcome,) = self.submit_reports([submission])
        if isinstance(outcome, StoreError):
            raise outcome
        return outcome

    def submit_reports(self, submissions: Sequence[ReportSubmission]) -> list[Report | StoreError]:
        """Store several reports in one committed transaction: one commit for all of them.

        For a server receiving many reports at once (:class:`lurewatch.office.ReportIntake`).
        Returns, for each submission in order, its report or the error that
        kept it out: a submission that is invalid or comes from an unknown or
        deactivated account is refused alone and the others are stored. An
        error of the database itself (StoreUnavailable, Conflict) is raised
        and stores none of them. Report numbers follow the order given.
        """
        outcomes: list[Report | StoreError] = []
        valid: list[tuple[int, _Intake]] = []
        for submission in submissions:
            try:
                valid.append((len(outcomes), _prepare(submission)))
            except StoreError as exc:
                outcomes.append(exc)
            else:
                outcomes.append(InvalidValue("not stored"))  # replaced below
        if valid:
            written = self._write_reports([intake for _, intake in valid])
            for (index, _), outcome in zip(valid, written, strict=True):
                outcomes[index] = outcome
        return outcomes

    def _write_reports(self, batch: Sequence[_Intake]) -> list[Report | StoreError]:
        """Write ``batch`` in one transaction; a report or the error of each, in order.

        A submission from an unknown or deactivated account is left out (its
        error returned), the others are written. Counterparty keys are created
        in sorted order: concurrent writers (other processes) naming the same
        people take their row locks in the same order and cannot deadlock.
        """
        now = self._clock()
        outcomes: list[Report | StoreError] = []
        with self._connect(write=True) as conn:
            names = sorted({i.submission.reporter for i in batch})
            accounts = {
                u: (uid, active) for uid, u, active in conn.execute(_REPORTERS, {"names": names})
            }
            accepted: list[tuple[int, _Intake, int]] = []  # (outcomes index, intake, reporter id)
            for intake in batch:
                reporter = intake.submission.reporter
                found = accounts.get(reporter)
                if found is None:
                    outcomes.append(NotFound(f"no user {reporter!r}"))
                elif not found[1]:
                    outcomes.append(InvalidValue(f"user {reporter!r} is deactivated"))
                else:
                    accepted.append((len(outcomes), intake, found[0]))
                    outcomes.append(InvalidValue("not written"))  # replaced below
            if not accepted:
                return outcomes
            last = self._advance(conn, f"report:{now.year}", len(accepted))
            references = [
                reference_for(now.year, last - len(accepted) + 1 + k) for k in range(len(accepted))
            ]
            report_ids = list(
                conn.execute(
                    _INSERT_REPORTS,
                    [
                        {
                            "reference": reference,
                            "reporter_id": reporter_id,
                            "channel": intake.submission.channel,
                            "received_at": now,
                            "items": intake.submission.contacts,
                            "assessment": intake.submission.assessment,
                            "level": intake.level.value,
                            "score": intake.score,
                            "is_exercise": intake.submission.is_exercise,
                            "status": "received",
                            "updated_at": now,
                        }
                        for reference, (_, intake, reporter_id) in zip(
                            references, accepted, strict=True
                        )
                    ],
                ).scalars()
            )
            keys = sorted({key for _, intake, _ in accepted for key, _, _ in intake.keyed})
            counterparty_ids: dict[str, int] = {}
            if keys:
                conn.execute(
                    _CREATE_COUNTERPARTIES[self.dialect],
                    [{"key": key, "created_at": now} for key in keys],
                )
                for k in range(0, len(keys), _KEYS_PER_LOOKUP):
                    chunk = keys[k : k + _KEYS_PER_LOOKUP]
                    counterparty_ids.update(
                        (key, cid) for key, cid in conn.execute(_COUNTERPARTY_IDS, {"keys": chunk})
                    )
            observations = [
                {
                    "counterparty_id": counterparty_ids[key],
                    "report_id": report_id,
                    "position": position,
                    "name": contact.name,
                    "company": contact.company,
                    "name_norm": norm_name(contact.name),
                    "company_norm": norm_name(contact.company),
                    "profile_url": contact.profile_url,
                    "first_contact": _date_text(contact.first_contact),
                    "last_contact": _date_text(contact.last_contact),
                    "level": contact.level.value,
                    "score": contact.score,
                    "findings": _summaries(contact),
                    "reported_at": now,
                    "is_exercise": intake.submission.is_exercise,
                }
                for report_id, (_, intake, _) in zip(report_ids, accepted, strict=True)
                for key, position, contact in intake.keyed
            ]
            if observations:
                conn.execute(_INSERT_OBSERVATIONS, observations)
        # Committed. Each record is what was submitted: no need to read it back.
        for report_id, reference, (index, intake, _) in zip(
            report_ids, references, accepted, strict=True
        ):
            sub = intake.submission
            outcomes[index] = Report(
                id=report_id,
                reference=reference,
                reporter=sub.reporter,
                channel=sub.channel,
                received_at=now,
                contacts=sub.contacts,
                assessment=sub.assessment,
                level=intake.level,
                score=intake.score,
                is_exercise=sub.is_exercise,
                status="received",
                verdict_key=None,
                verdict_text=None,
                verdict_at=None,
                case_ids=(),
            )
        return outcomes

    # -- reading ---------------------------------------------------------------------

    def _report_row(self, s: Session, reference: str) -> ReportRow:
        row = s.scalar(sa.select(ReportRow).where(ReportRow.reference == reference))
        if row is None:
            raise NotFound(f"no report {reference!r}")
        return row

    def _report_record(self, s: Session, row: ReportRow, reporter: str | None = None) -> Report:
        if reporter is None:
            reporter = s.execute(
                sa.select(UserRow.username).where(UserRow.id == row.reporter_id)
            ).scalar_one()
        case_ids = s.scalars(
            sa.select(CaseReportRow.case_id)
            .where(CaseReportRow.report_id == row.id)
            .order_by(CaseReportRow.case_id)
        ).all()
        return Report(
            id=row.id,
            reference=row.reference,
            reporter=reporter,
            channel=_channel(row.channel),
            received_at=row.received_at,
            contacts=msgspec.convert(row.items, tuple[SubmittedContact, ...]),
            assessment=None
            if row.assessment is None
            else msgspec.convert(row.assessment, Assessment),
            level=Level(row.level),
            score=row.score,
            is_exercise=row.is_exercise,
            status=_check_status(row.status),
            verdict_key=row.verdict_key,
            verdict_text=row.verdict_text,
            verdict_at=row.verdict_at,
            case_ids=tuple(case_ids),
        )

    def get_report(self, reference: str) -> Report:
        """The report with this reference number, as submitted, with its feedback."""
        with self._read() as s:
            return self._report_record(s, self._report_row(s, reference))

    def list_reports(
        self,
        *,
        reporter: str | None = None,
        status: ReportStatus | None = None,
        channel: Channel | None = None,
        level: Level | None = None,
        team: str | None = None,
        include_exercises: bool = True,
        exercises_only: bool = False,
        order: ReportOrder = "recent",
        limit: int = 100,
        offset: int = 0,
    ) -> list[ReportSummary]:
        """Reports matching every filter, without their items (see :meth:`get_report`).

        ``order``: ``recent`` newest first; ``score`` highest score first;
        ``priority`` highest ``score x sensitivity`` of the reporter's team
        first (1.0 without a team). Equal keys: newest first. Exercises are
        left out with ``include_exercises=False``; ``exercises_only`` lists
        nothing else. ``team`` keeps the reports of that team's members.
        """
        if order not in REPORT_ORDERS:
            raise InvalidValue(f"order {order!r}: expected one of {', '.join(REPORT_ORDERS)}")
        where: list[sa.ColumnElement[bool]] = []
        if reporter is not None:
            where.append(UserRow.username == reporter)
        if status is not None:
            where.append(ReportRow.status == _check_status(status))
        if channel is not None:
            where.append(ReportRow.channel == channel)
        if level is not None:
            where.append(ReportRow.level == Level(level).value)
        if team is not None:
            where.append(TeamRow.name == team)
        if exercises_only:
            where.append(ReportRow.is_exercise.is_(True))
        elif not include_exercises:
            where.append(ReportRow.is_exercise.is_(False))
        query = self._summary_query().where(*where).limit(limit).offset(offset)
        # The priority order reads more than once (see _priority_page): from one snapshot.
        with self._read(snapshot=order == "priority") as s:
            if order == "priority":
                # One team or reporter: one sensitivity, so priority follows score
                # (or nothing, at sensitivity 0): the score index serves that directly.
                shared = _one_sensitivity(s, team, reporter)
                if shared is None:
                    return _priority_page(s, query, where, limit, offset)
                order = "score" if shared > 0 else "recent"
            if order == "score":
                query = query.order_by(ReportRow.score.desc())
            query = query.order_by(ReportRow.received_at.desc(), ReportRow.id.desc())
            return [_summary(row, user, team) for row, user, team in s.execute(query)]

    @staticmethod
    def _summary_query() -> sa.Select[ReportRow, str, str]:
        return (
            sa.select(ReportRow, UserRow.username, TeamRow.name)
            .join(UserRow, UserRow.id == ReportRow.reporter_id)
            .outerjoin(TeamRow, TeamRow.id == UserRow.team_id)
            # A summary has no items: leaving the JSON out keeps the rows sorted narrow.
            .options(defer(ReportRow.items), defer(ReportRow.assessment))
        )

    # -- search ----------------------------------------------------------------------

    def search(self, q: str, limit: int = 20) -> SearchHits:
        """Reports and personas by name, company, profile address or reference number.

        Names and companies match when their folded form
        (:func:`lurewatch.identity.norm_name`: case, accents, punctuation)
        contains the folded query; ``%`` and ``_`` in the query are matched as
        themselves, never as wildcards. A profile address matches in canonical
        form. A reference number, or a part of one with a digit (``2026-0001``),
        matches the reports it is part of. A report matches when one of its
        contacts does. Each list holds at most ``limit`` hits, latest first.
        """
        needle = norm_name(q)
        canon = canon_profile_url(q) if "/" in q else ""
        fragment = q.strip().upper()
        by_reference = len(fragment) >= 3 and any(c.isdigit() for c in fragment)
        obs = ObservationRow
        matches: list[sa.ColumnElement[bool]] = []
        if needle:
            matches.append(obs.name_norm.contains(needle, autoescape=True))
            matches.append(obs.company_norm.contains(needle, autoescape=True))
        if canon:
            matches.append(CounterpartyRow.key == cap("url:" + canon))
        with self._read() as s:
            personas: list[CounterpartySummary] = []
            report_match: list[sa.ColumnElement[bool]] = []
            if matches:
                matching = (
                    sa.select(obs.counterparty_id, obs.report_id)
                    .join(CounterpartyRow, CounterpartyRow.id == obs.counterparty_id)
                    .where(sa.or_(*matches))
                )
                ids = sa.select(matching.subquery().c.counterparty_id)
                personas = self._counterparty_summaries(
                    s, CounterpartyRow.id.in_(ids), include_exercises=True, limit=limit, offset=0
                )
                report_match.append(ReportRow.id.in_(sa.select(matching.subquery().c.report_id)))
            if by_reference:
                report_match.append(ReportRow.reference.contains(fragment, autoescape=True))
            reports: list[ReportSummary] = []
            if report_match:
                query = (
                    self._summary_query()
                    .where(sa.or_(*report_match))
                    .order_by(ReportRow.received_at.desc(), ReportRow.id.desc())
                    .limit(limit)
                )
                reports = [_summary(row, user, team) for row, user, team in s.execute(query)]
            return SearchHits(reports=tuple(reports), personas=tuple(personas))

    # -- feedback --------------------------------------------------------------------

    def set_report_status(self, reference: str, status: ReportStatus, *, actor: str) -> Report:
        """Move a report through received -> in_review -> closed (what the reporter sees)."""
        _check_status(status)
        now = self._clock()
        with self._write() as s:
            row = self._report_row(s, reference)
            before = row.status
            row.status = status
            row.updated_at = now
            self._audit(
                s,
                at=now,
                actor=actor,
                action="report.status",
                target=f"report:{reference}",
                details={"from": before, "to": status},
            )
            return self._report_record(s, row)

    def set_report_exercise(self, reference: str, is_exercise: bool, *, actor: str) -> Report:
        """Mark a report as a security exercise (a drill) or as real, with its observations.

        Exercises are left out of the queue's default view and of persona
        figures; the observations carry their own copy of the flag, so both change.
        """
        now = self._clock()
        with self._write() as s:
            row = self._report_row(s, reference)
            before = row.is_exercise
            row.is_exercise = is_exercise
            row.updated_at = now
            s.execute(
                sa.update(ObservationRow)
                .where(ObservationRow.report_id == row.id)
                .values(is_exercise=is_exercise)
            )
            self._audit(
                s,
                at=now,
                actor=actor,
                action="report.exercise",
                target=f"report:{reference}",
                details={"from": before, "to": is_exercise},
            )
            return self._report_record(s, row)

    def record_verdict(
        self,
        reference: str,
        template: str,
        *,
        actor: str,
        text: str | None = None,
        status: ReportStatus | None = None,
    ) -> Report:
        """Send the reporter a verdict: the template's wording, or ``text`` written for this case.

        ``status`` also moves the report (e.g. ``"closed"`` with a final verdict).
        """
        if status is not None:
            _check_status(status)
        now = self._clock()
        with self._write() as s:
            row = self._report_row(s, reference)
            wording = s.scalar(
                sa.select(VerdictTemplateRow.text).where(VerdictTemplateRow.key == template)
            )
            if wording is None:
                raise NotFound(f"no verdict template {template!r}")
            sent = wording if text is None else text
            if not sent.strip():
                raise InvalidValue("a verdict needs some text")
            details: dict[str, Any] = {"template": template, "text": sent}
            row.verdict_key = template
            row.verdict_text = sent
            row.verdict_at = now
            if status is not None:
                details["status"] = {"from": row.status, "to": status}
                row.status = status
            row.updated_at = now
            self._audit(
                s,
                at=now,
                actor=actor,
                action="report.verdict",
                target=f"report:{reference}",
                details=details,
            )
            return self._report_record(s, row)

    # -- verdict templates -----------------------------------------------------------

    def list_verdict_templates(self) -> list[VerdictTemplate]:
        with self._read() as s:
            rows = s.scalars(sa.select(VerdictTemplateRow).order_by(VerdictTemplateRow.key))
            return [
                VerdictTemplate(
                    key=r.key, text=r.text, updated_at=r.updated_at, updated_by=r.updated_by
                )
                for r in rows
            ]

    def get_verdict_template(self, key: str) -> VerdictTemplate:
        with self._read() as s:
            r = s.get(VerdictTemplateRow, key)
            if r is None:
                raise NotFound(f"no verdict template {key!r}")
            return VerdictTemplate(
                key=r.key, text=r.text, updated_at=r.updated_at, updated_by=r.updated_by
            )

    def set_verdict_template(self, key: str, text: str, *, actor: str) -> VerdictTemplate:
        """Create or reword a verdict template (reports already sent keep their text)."""
        key = key.strip()
        if not key or len(key) > 100:
            raise InvalidValue("template key: give 1-100 characters, e.g. 'confirmed-hostile'")
        if not text.strip():
            raise InvalidValue("template text: must not be empty")
        now = self._clock()
        with self._write() as s:
            row = s.get(VerdictTemplateRow, key)
            before = None if row is None else row.text
            if row is None:
                row = VerdictTemplateRow(key=key, text=text)
                s.add(row)
            row.text = text
            row.updated_at = now
            row.updated_by = actor
            self._audit(
                s,
                at=now,
                actor=actor,
                action="verdict_template.set",
                target=f"verdict_template:{key}",
                details={"text": text, "before": before},
            )
            return VerdictTemplate(key=key, text=text, updated_at=now, updated_by=actor)

    # -- counterparties --------------------------------------------------------------

    def list_counterparties(
        self, *, include_exercises: bool = True, limit: int = 100, offset: int = 0
    ) -> list[CounterpartySummary]:
        """Counterparties, most recently reported first, with how often they were reported."""
        with self._read() as s:
            return self._counterparty_summaries(
                s, None, include_exercises=include_exercises, limit=limit, offset=offset
            )

    def _counterparty_summaries(
        self,
        s: Session,
        where: sa.ColumnElement[bool] | None,
        *,
        include_exercises: bool,
        limit: int,
        offset: int,
    ) -> list[CounterpartySummary]:
        obs = ObservationRow
        latest = aliased(ObservationRow)
        latest_name = (
            sa.select(latest.name)
            .where(latest.counterparty_id == CounterpartyRow.id)
            .order_by(latest.reported_at.desc(), latest.id.desc())
            .limit(1)
        )
        if not include_exercises:
            latest_name = latest_name.where(latest.is_exercise.is_(False))
        query = (
            sa.select(
                CounterpartyRow.key,
                latest_name.correlate(CounterpartyRow).scalar_subquery(),
                sa.func.count(obs.id),
                sa.func.count(sa.distinct(obs.report_id)),
                sa.func.min(obs.reported_at),
                sa.func.max(obs.reported_at),
                sa.func.max(obs.score),
            )
            .join(obs, obs.counterparty_id == CounterpartyRow.id)
            .group_by(CounterpartyRow.id, CounterpartyRow.key)
            .order_by(sa.func.max(obs.reported_at).desc(), CounterpartyRow.id.desc())
            .limit(limit)
            .offset(offset)
        )
        if where is not None:
            query = query.where(where)
        if not include_exercises:
            query = query.where(obs.is_exercise.is_(False))
        return [
            CounterpartySummary(
                key=key,
                name=name,
                observations=n_obs,
                reports=n_reports,
                first_reported=_aware(first),
                last_reported=_aware(last),
                max_score=top,
            )
            for key, name, n_obs, n_reports, first, last, top in s.execute(query)
        ]

    def get_counterparty(self, key: str) -> Counterparty:
        """Every observation of one counterparty, oldest first.

        ``key`` is :func:`lurewatch.identity.counterparty_key` of the contact.
        """
        with self._read() as s:
            cid = s.scalar(sa.select(CounterpartyRow.id).where(CounterpartyRow.key == key))
            if cid is None:
                raise NotFound(f"no counterparty {key!r}")
            rows = s.execute(
                sa.select(ObservationRow, ReportRow.reference)
                .join(ReportRow, ReportRow.id == ObservationRow.report_id)
                .where(ObservationRow.counterparty_id == cid)
                .order_by(ObservationRow.reported_at, ObservationRow.id)
            ).all()
            observations = tuple(
                Observation(
                    report=reference,
                    reported_at=o.reported_at,
                    is_exercise=o.is_exercise,
                    name=o.name,
                    company=o.company,
                    profile_url=o.profile_url,
                    first_contact=o.first_contact,
                    last_contact=o.last_contact,
                    level=Level(o.level),
                    score=o.score,
                    findings=msgspec.convert(o.findings, tuple[FindingSummary, ...]),
                )
                for o, reference in rows
            )
            latest = observations[-1] if observations else None
            return Counterparty(
                key=key,
                name=latest.name if latest else "",
                profile_url=next(
                    (o.profile_url for o in reversed(observations) if o.profile_url), None
                ),
                observations=observations,
            )


# The triage priority: score x the reporter's team sensitivity (1.0 without a team).
_PRIORITY = ReportRow.score * sa.func.coalesce(TeamRow.sensitivity, 1.0)


def _priority_page(
    s: Session,
    query: sa.Select[ReportRow, str, str],
    where: list[sa.ColumnElement[bool]],
    limit: int,
    offset: int,
) -> list[ReportSummary]:
    """One page of the priority order, reading only the reports that can be on it.

    Ordering every report by ``score x sensitivity`` computes and sorts it for
    the whole table (a quarter of a second at 100,000 reports), yet the page
    needs only the first n = ``offset + limit``. So rank only the reports
    scoring at least some F, starting at the n-th highest score (from the
    score index); let P be the priority of the n-th of them. Any report
    scoring under ``floor(P / highest sensitivity)`` has a priority under P
    and cannot be among the first n: when that is at least F, no report left
    out can be on the page and it is exact. Otherwise F steps down (by 1, 2,
    4, ..., never below that floor, where it is exact by the same argument)
    and the reports are ranked again: usually once or twice, a few thousand
    rows each at 100,000 reports.
    """
    if limit <= 0:
        return []
    ranked = query.add_columns(_PRIORITY).order_by(
        _PRIORITY.desc(), ReportRow.received_at.desc(), ReportRow.id.desc()
    )
    least = s.scalar(
        sa.select(ReportRow.score)
        .join(UserRow, UserRow.id == ReportRow.reporter_id)
        .outerjoin(TeamRow, TeamRow.id == UserRow.team_id)
        .where(*where)
        .order_by(ReportRow.score.desc())
        .offset(offset + limit - 1)
        .limit(1)
    )
    highest = max(1.0, s.scalar(sa.select(sa.func.max(TeamRow.sensitivity))) or 0.0)
    least, step = least or 0, 1  # None: fewer than n reports match; rank them all
    while True:
        rows = s.execute(ranked.where(ReportRow.score >= least)).all()
        if least <= 0:
            break
        # At least n reports score >= least, so the page is full and its last is the n-th.
        proven = math.floor(float(rows[-1][3]) / highest)
        if proven >= least:
            break
        least, step = max(proven, least - step), step * 2
    return [_summary(row, user, team) for row, user, team, _ in rows]


def _one_sensitivity(s: Session, team: str | None, reporter: str | None) -> float | None:
    """The one sensitivity every listed report shares, when a team or reporter is chosen."""
    if team is not None:
        found = s.scalar(sa.select(TeamRow.sensitivity).where(TeamRow.name == team))
        return 1.0 if found is None else float(found)  # no such team: nothing is listed
    if reporter is not None:
        found = s.scalar(
            sa.select(sa.func.coalesce(TeamRow.sensitivity, 1.0))
            .select_from(UserRow)
            .outerjoin(TeamRow, TeamRow.id == UserRow.team_id)
            .where(UserRow.username == reporter)
        )
        return 1.0 if found is None else float(found)
    return None


def _summary(row: ReportRow, username: str, team: str | None) -> ReportSummary:
    return ReportSummary(
        id=row.id,
        reference=row.reference,
        reporter=username,
        reporter_team=team,
        channel=_channel(row.channel),
        received_at=row.received_at,
        level=Level(row.level),
        score=row.score,
        is_exercise=row.is_exercise,
        status=_check_status(row.status),
        verdict_key=row.verdict_key,
    )


def _date_text(value: str | None) -> str | None:
    """A contact date as given (ISO text), cut to its column; None when empty."""
    return value[:40] if value else None


def _aware(value: dt.datetime) -> dt.datetime:
    """Aggregates bypass the column type on SQLite (text, naive); make them aware UTC datetimes."""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)
