"""Retro-hunts over stored reports: which reported contacts does an alert name?

An alert arrives after the fact: the persona it names may already have
written to staff who reported it. :meth:`HuntingMixin.retro_hunt` matches
every contact of every stored report against one alert, with the same
:class:`~lurewatch.matching.index.IndicatorIndex` the ``--indicators`` option
and ``lurewatch hunt`` use (names across spellings and romanisations,
organisations one keystroke apart, profile addresses and identifiers found
in the excerpts), and keeps the matches in ``alert_matches``.
:meth:`HuntingMixin.hunt_report` does the reverse for one new report against
every stored alert.

Unlike a rating, where a shared name alone is never a finding, a hunt lists a
name-only agreement as ``possible``: these contacts were already reported as
suspicious, and an analyst decides. ``strong`` needs more than a name, exactly
as :mod:`lurewatch.matching.index` judges it.

Reports are read in keyset-paginated batches in a read transaction, and the
matches written afterwards in a short write transaction, so a hunt over
100,000 reports neither loads them at once nor holds the (SQLite) write lock
while it matches.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

import msgspec
import sqlalchemy as sa
from sqlalchemy.orm import Session

from lurewatch.matching import identifiers
from lurewatch.matching.index import STRONG, IndicatorIndex, Match, subject_from
from lurewatch.model import Alert
from lurewatch.store.alerts import ALERTS_VERSION, _alert_from_body
from lurewatch.store.core import StoreCore
from lurewatch.store.errors import Conflict, NotFound
from lurewatch.store.records import AlertMatch, HuntStrength, MatchCounts, Report
from lurewatch.store.schema import (
    AlertMatchRow,
    AlertRow,
    ObservationRow,
    ReportRow,
    TeamRow,
    UserRow,
)

BATCH = 500
# progress(searched, total): how many reports a retro-hunt has read, of how many.
Progress = Callable[[int, int], None]
MAX_LISTED = 1_000
# found_in_text looks for web and profile addresses only in text holding one of these.
_URL_MARKS = frozenset({"://", "www.", "linkedin.com"})


class _Item(msgspec.Struct, forbid_unknown_fields=False):
    excerpt: str = ""
    subject: str = ""


class _Contact(msgspec.Struct, forbid_unknown_fields=False):
    """What a hunt reads of a stored contact (its findings are not needed)."""

    name: str = ""
    profile_url: str | None = None
    company: str = ""
    position: str = ""
    items: list[_Item] = []


class _Found(msgspec.Struct, frozen=True):
    alert_id: str
    report_id: int
    position: int
    strength: HuntStrength
    persona: str | None
    agreed: tuple[str, ...]


class _TextFilter(msgspec.Struct, frozen=True):
    """Whether what a contact wrote could match any alert: a cheap test before the matcher.

    Identifiers come out of a text only where :func:`~lurewatch.matching.identifiers.found_in_text`
    finds them, so a text that cannot hold any alerted one is not parsed at all.
    Never narrower than the matcher: a handle or e-mail address it would find
    is, case-folded, a substring of the case-folded text; addresses and domains
    need a URL or an ``@``; phone numbers need a digit; message templates need
    every text.
    """

    every: bool = False
    needles: frozenset[str] = frozenset()
    digits: bool = False
    # The identifiers worth finding in a text (see identifiers.found_in_text).
    kinds: frozenset[str] = frozenset()

    def wanted(self, texts: Sequence[str]) -> bool:
        if self.every:
            return True
        if not texts or not (self.needles or self.digits):
            return False
        folded = "\n".join(texts).casefold()
        return any(n in folded for n in self.needles) or (
            self.digits and any(c.isdigit() for c in folded)
        )


def _text_filter(alerts: Iterable[Alert]) -> _TextFilter:
    needles: set[str] = set()
    kinds: set[str] = set()
    digits = every = False
    for a in alerts:
        if any(p.profile_url for p in a.personas):
            needles |= _URL_MARKS
            kinds.add("url")
        for ind in a.indicators:
            if ind.type in identifiers.MESSENGERS or ind.type == "email":
                norm = identifiers.normalise(ind.type, ind.value)
                if norm:
                    needles.add(norm)
                kinds.add("email" if ind.type == "email" else "handle")
            elif ind.type == "profile-url":
                needles |= _URL_MARKS
                kinds.add("url")
            elif ind.type in ("domain", "website"):
                needles |= _URL_MARKS | {"@"}
                kinds |= {"url", "email"}
            elif ind.type == "phone":
                digits = True
                kinds.add("phone")
            elif ind.type == "message-template":
                every = True
    return _TextFilter(
        every=every, needles=frozenset(needles), digits=digits, kinds=frozenset(kinds)
    )


def _agreed(m: Match) -> tuple[str, ...]:
    return tuple(f"{a.what}: {a.how}" for a in m.agreements)


def _rank(m: Match) -> tuple[bool, int, float]:
    return (m.level == STRONG, len(m.agreements), sum(a.strength for a in m.agreements))


def _contact_matches(
    index: IndicatorIndex, report_id: int, items: Any, texts: _TextFilter
) -> Iterator[_Found]:
    """The best match per alert for each contact of one stored report."""
    try:
        contacts = msgspec.convert(items, list[_Contact], strict=False)
    except msgspec.ValidationError:
        return  # not a list of contacts: nothing the matcher could read
    for position, c in enumerate(contacts):
        written = [t for i in c.items for t in (i.excerpt, i.subject) if t]
        subject = subject_from(
            name=c.name,
            headline=c.position,
            company=c.company,
            profile_url=c.profile_url,
            texts=written if texts.wanted(written) else (),
            kinds=texts.kinds,
        )
        best: dict[str, Match] = {}
        for m in index.match(subject):
            key = m.target.alert.id
            if key not in best or _rank(m) > _rank(best[key]):
                best[key] = m
        for alert_id, m in best.items():
            persona = m.target.persona
            yield _Found(
                alert_id=alert_id,
                report_id=report_id,
                position=position,
                strength="strong" if m.level == STRONG else "possible",
                persona=persona.name if persona else None,
                agreed=_agreed(m),
            )


def _alert_version(s: Session, alert_id: str) -> tuple[int, str]:
    """The stored alert's row id and body (NotFound if there is none)."""
    row = s.execute(
        sa.select(AlertRow.id, AlertRow.body).where(AlertRow.alert_id == alert_id)
    ).one_or_none()
    if row is None:
        raise NotFound(f"no alert {alert_id!r}")
    return int(row[0]), str(row[1])


def _record(row: Any) -> AlertMatch:
    m: AlertMatchRow = row[0]
    return AlertMatch(
        alert_id=row.alert_id,
        alert_title=row.title,
        report=row.reference,
        reporter=row.username,
        reporter_team=row.team,
        received_at=row.received_at,
        is_exercise=row.is_exercise,
        position=m.position,
        contact_name=row.contact_name or "",
        contact_company=row.contact_company or "",
        contact_profile_url=row.contact_profile_url,
        strength="strong" if m.strength == "strong" else "possible",
        persona=m.persona,
        agreed=tuple(str(line) for line in m.details or ()),
        found_at=m.found_at,
    )


class HuntingMixin(StoreCore):
    # The index of every stored alert, kept while the alerts are unchanged, so that
    # hunting each new report does not re-read every alert.
    _hunt_index: tuple[tuple[tuple[int, str], ...], IndicatorIndex] | None = None
    # The same for arriving reports, keyed by the alerts' version counter.
    _arrival_index: tuple[int, IndicatorIndex, _TextFilter] | None = None

    # -- reading ---------------------------------------------------------------------

    @staticmethod
    def _match_query() -> sa.Select[*tuple[Any, ...]]:
        return (
            sa.select(
                AlertMatchRow,
                AlertRow.alert_id,
                AlertRow.title,
                ReportRow.reference,
                ReportRow.received_at,
                ReportRow.is_exercise,
                UserRow.username,
                TeamRow.name.label("team"),
                ObservationRow.name.label("contact_name"),
                ObservationRow.company.label("contact_company"),
                ObservationRow.profile_url.label("contact_profile_url"),
            )
            .join(AlertRow, AlertRow.id == AlertMatchRow.alert_pk)
            .join(ReportRow, ReportRow.id == AlertMatchRow.report_id)
            .join(UserRow, UserRow.id == ReportRow.reporter_id)
            .outerjoin(TeamRow, TeamRow.id == UserRow.team_id)
            .outerjoin(
                ObservationRow,
                sa.and_(
                    ObservationRow.report_id == AlertMatchRow.report_id,
                    ObservationRow.position == AlertMatchRow.position,
                ),
            )
            .order_by(
                sa.case((AlertMatchRow.strength == "strong", 0), else_=1),
                ReportRow.received_at.desc(),
                ReportRow.id.desc(),
                AlertMatchRow.position,
                AlertRow.id,
            )
        )

    def alert_matches_for(self, alert_id: str, *, limit: int = MAX_LISTED) -> list[AlertMatch]:
        """What the alert's latest retro-hunt found: strong first, then newest report first."""
        with self._read() as s:
            pk, _ = _alert_version(s, alert_id)
            rows = s.execute(self._match_query().where(AlertMatchRow.alert_pk == pk).limit(limit))
            return [_record(r) for r in rows]

    def matches_for_report(self, reference: str) -> list[AlertMatch]:
        """Every stored alert's matches among one report's contacts."""
        with self._read() as s:
            row = s.scalar(sa.select(ReportRow.id).where(ReportRow.reference == reference))
            if row is None:
                raise NotFound(f"no report {reference!r}")
            rows = s.execute(self._match_query().where(AlertMatchRow.report_id == row))
            return [_record(r) for r in rows]

    def alert_match_counts(self) -> dict[str, MatchCounts]:
        """Per stored alert id, how many contacts its latest retro-hunt matched."""
        query = (
            sa.select(AlertRow.alert_id, AlertMatchRow.strength, sa.func.count())
            .join(AlertMatchRow, AlertMatchRow.alert_pk == AlertRow.id)
            .group_by(AlertRow.alert_id, AlertMatchRow.strength)
        )
        counts: dict[str, dict[str, int]] = {}
        with self._read() as s:
            for alert_id, strength, n in s.execute(query):
                counts.setdefault(alert_id, {})[strength] = int(n)
        return {
            a: MatchCounts(strong=c.get("strong", 0), possible=c.get("possible", 0))
            for a, c in counts.items()
        }

    # -- hunting ---------------------------------------------------------------------

    def retro_hunt(
        self, alert_id: str, *, actor: str, progress: Progress | None = None
    ) -> list[AlertMatch]:
        """Match every stored report's contacts against one alert; keep and return the matches.

        The alert's earlier matches are replaced. One audit entry
        (``alert.hunt``) records how many reports and contacts were searched
        and how many matched. Conflict if the alert is replaced while the hunt runs.

        ``progress(searched, total)`` is called once the reports are counted,
        after every batch of ``BATCH`` reports, and once all are read (before
        the matches are written). It runs inside the hunt's read transaction:
        it must be quick, and may write only through the store's own methods.
        """
        with self._read() as s:
            alert_pk, body = _alert_version(s, alert_id)
        alert = _alert_from_body(body, alert_id)
        index = IndicatorIndex([alert])
        texts = _text_filter([alert])
        found: list[_Found] = []
        reports = contacts = total = 0
        with self._read() as s:
            if progress is not None:
                total = int(s.scalar(sa.select(sa.func.count()).select_from(ReportRow)) or 0)
                progress(0, total)
            for report_id, items in self._reports_in_batches(s):
                reports += 1
                contacts += len(items) if isinstance(items, list) else 0
                found.extend(_contact_matches(index, report_id, items, texts))
                if progress is not None and reports % BATCH == 0:
                    # Reports that arrived since the count are searched too.
                    progress(reports, max(total, reports))
            if progress is not None:
                progress(reports, max(total, reports))
        now = self._clock()
        with self._write() as s:
            current = s.execute(
                sa.select(AlertRow.id, AlertRow.body).where(AlertRow.alert_id == alert_id)
            ).one_or_none()
            if current is None or tuple(current) != (alert_pk, body):
                raise Conflict(
                    f"alert {alert_id!r} was replaced or removed while the retro-hunt ran: "
                    "run it again"
                )
            replaced = s.scalar(
                sa.select(sa.func.count()).where(AlertMatchRow.alert_pk == alert_pk)
            )
            s.execute(sa.delete(AlertMatchRow).where(AlertMatchRow.alert_pk == alert_pk))
            self._insert(s, found, {alert_id: alert_pk}, now)
            strong = sum(f.strength == "strong" for f in found)
            self._audit(
                s,
                at=now,
                actor=actor,
                action="alert.hunt",
                target=f"alert:{alert_id}",
                details={
                    "reports": reports,
                    "contacts": contacts,
                    "strong": strong,
                    "possible": len(found) - strong,
                    "replaced": int(replaced or 0),
                },
            )
            return [
                _record(r)
                for r in s.execute(self._match_query().where(AlertMatchRow.alert_pk == alert_pk))
            ]

    def hunt_report(self, reference: str, *, actor: str) -> list[AlertMatch]:
        """Match one report's contacts against every stored alert; keep and return the matches.

        For a report that has just arrived: an alert imported earlier flags it
        at once. The report's earlier matches are replaced; an audit entry
        (``report.hunt``) is appended only when something was or is matched.
        """
        with self._read() as s:
            report = s.execute(
                sa.select(ReportRow.id, ReportRow.items).where(ReportRow.reference == reference)
            ).one_or_none()
            if report is None:
                raise NotFound(f"no report {reference!r}")
            stored = s.execute(
                sa.select(AlertRow.id, AlertRow.alert_id, AlertRow.body).order_by(AlertRow.id)
            ).all()
        report_id, items = report
        index = self._index_of(stored)
        pks = {alert_id: pk for pk, alert_id, _ in stored}
        found = (
            list(_contact_matches(index, report_id, items, _text_filter(index.alerts)))
            if index.alerts
            else []
        )
        now = self._clock()
        with self._write() as s:
            replaced = int(
                s.scalar(sa.select(sa.func.count()).where(AlertMatchRow.report_id == report_id))
                or 0
            )
            if not found and not replaced:
                return []
            # An alert removed or replaced since it was read is left out, not an error.
            alive = set(s.scalars(sa.select(AlertRow.id).where(AlertRow.id.in_(set(pks.values())))))
            found = [f for f in found if pks[f.alert_id] in alive]
            s.execute(sa.delete(AlertMatchRow).where(AlertMatchRow.report_id == report_id))
            self._insert(s, found, pks, now)
            strong = sum(f.strength == "strong" for f in found)
            self._audit(
                s,
                at=now,
                actor=actor,
                action="report.hunt",
                target=f"report:{reference}",
                details={
                    "alerts": len(pks),
                    "strong": strong,
                    "possible": len(found) - strong,
                    "replaced": replaced,
                },
            )
            return [
                _record(r)
                for r in s.execute(self._match_query().where(AlertMatchRow.report_id == report_id))
            ]

    def hunt_arrival(self, report: Report, *, actor: str) -> list[AlertMatch]:
        """Match a report that has just been submitted against every stored alert.

        The same matching as :meth:`hunt_report`, made cheap for every
        submission: the report's contacts come from the record in hand (not
        read back), the alerts' index is rebuilt only when the stored alerts
        changed (a counter every import bumps), and nothing is written, not
        even a lock taken, unless something matched (a new report has no
        earlier matches to replace).
        """
        index, texts = self._arrival_alerts()
        return self._hunt_arrived(report, index, texts, actor=actor)

    def hunt_arrivals(self, reports: Sequence[Report]) -> list[AlertMatch]:
        """:meth:`hunt_arrival` for reports stored together, each on its reporter's behalf.

        The alerts' version is read once for all of them.
        """
        if not reports:
            return []
        index, texts = self._arrival_alerts()
        return [m for r in reports for m in self._hunt_arrived(r, index, texts, actor=r.reporter)]

    def _arrival_alerts(self) -> tuple[IndicatorIndex, _TextFilter]:
        """The index of the stored alerts as they are now (rebuilt only when they changed)."""
        with self._connect() as s:
            version = self._counter(s, ALERTS_VERSION)
            cached = self._arrival_index
            if cached is None or cached[0] != version:
                stored = s.execute(
                    sa.select(AlertRow.id, AlertRow.alert_id, AlertRow.body).order_by(AlertRow.id)
                ).all()
                index = IndicatorIndex(
                    [_alert_from_body(body, alert_id) for _, alert_id, body in stored]
                )
                cached = self._arrival_index = (version, index, _text_filter(index.alerts))
        return cached[1], cached[2]

    def _hunt_arrived(
        self, report: Report, index: IndicatorIndex, texts: _TextFilter, *, actor: str
    ) -> list[AlertMatch]:
        if not index.alerts:
            return []
        items = msgspec.to_builtins(report.contacts)
        found = list(_contact_matches(index, report.id, items, texts))
        if not found:
            return []
        return self.hunt_report(report.reference, actor=actor)

    # -- helpers ---------------------------------------------------------------------

    def _index_of(self, stored: Sequence[Any]) -> IndicatorIndex:
        key = tuple((pk, body) for pk, _, body in stored)
        cached = self._hunt_index
        if cached is not None and cached[0] == key:
            return cached[1]
        index = IndicatorIndex([_alert_from_body(body, alert_id) for _, alert_id, body in stored])
        self._hunt_index = (key, index)
        return index

    @staticmethod
    def _reports_in_batches(s: Session) -> Iterator[tuple[int, Any]]:
        """(report id, contacts as stored) for every report, ``BATCH`` at a time by id."""
        last = 0
        while True:
            batch = s.execute(
                sa.select(ReportRow.id, ReportRow.items)
                .where(ReportRow.id > last)
                .order_by(ReportRow.id)
                .limit(BATCH)
            ).all()
            yield from ((r[0], r[1]) for r in batch)
            if len(batch) < BATCH:
                return
            last = batch[-1][0]

    @staticmethod
    def _insert(s: Session, found: Sequence[_Found], pks: dict[str, int], now: dt.datetime) -> None:
        if not found:
            return
        s.execute(
            sa.insert(AlertMatchRow),
            [
                {
                    "alert_pk": pks[f.alert_id],
                    "report_id": f.report_id,
                    "position": f.position,
                    "strength": f.strength,
                    "persona": f.persona,
                    "details": list(f.agreed),
                    "found_at": now,
                }
                for f in found
            ],
        )
