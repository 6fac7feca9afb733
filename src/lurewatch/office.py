"""The security office's queries over the store, shared by the API and the web pages.

Filtering, ordering and search are done by the store in SQL
(:meth:`Store.list_reports`, :meth:`Store.search`); this maps the API's
parameters onto them.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from lurewatch.model import Level
from lurewatch.store import Store, StoreError
from lurewatch.store.groupcommit import GroupCommit
from lurewatch.store.records import (
    Channel,
    Report,
    ReportOrder,
    ReportStatus,
    ReportSubmission,
    ReportSummary,
    SearchHits,
)

__all__ = [
    "ReportIntake",
    "ReportOrder",
    "SearchHits",
    "query_reports",
    "receive_report",
    "search",
]

log = logging.getLogger("lurewatch.office")


def receive_report(store: Store, submission: ReportSubmission) -> Report:
    """Store a report, then match it against every stored alert and known campaign at once.

    The report is committed before the hunt starts, and neither the hunt nor the
    campaign check can undo or refuse it: a failure there is logged and the
    report stands (an analyst's retro-hunt or relink finds it later). A contact
    that joins a known campaign raises the report to high
    (:meth:`Store.campaign_arrival`); the report returned is as submitted.
    """
    report = store.submit_report(submission)
    _on_arrival(store, [report])
    return report


class ReportIntake:
    """:func:`receive_report` for a server, where many reports arrive at once.

    Reports submitted while others are being written are stored together in
    the next transaction, then matched against alerts and campaigns together
    (:mod:`lurewatch.store.groupcommit`): one commit, one read of the alerts'
    version and one of the campaigns for the lot, instead of one each per
    report. Every caller still gets its own report, once it is committed and
    checked, or its own error: one refused submission never sinks the others.
    """

    def __init__(self, store: Store) -> None:
        self._store = store
        self._group: GroupCommit[ReportSubmission, Report] = GroupCommit(self._receive)

    def receive(self, submission: ReportSubmission) -> Report:
        """Store ``submission`` (with whatever arrived meanwhile) and check it on arrival.

        Blocks until its transaction has committed; raises the StoreError that
        kept it out, if any.
        """
        return self._group.submit(submission)

    def _receive(self, batch: Sequence[ReportSubmission]) -> list[Report | StoreError]:
        outcomes = self._store.submit_reports(batch)
        # Committed. Nothing past this point may raise: the group commit would store
        # the batch again, one report at a time.
        _on_arrival(self._store, [o for o in outcomes if isinstance(o, Report)])
        return outcomes


def _on_arrival(store: Store, reports: Sequence[Report]) -> None:
    """The alert hunt and campaign check of reports just committed; failures are logged."""
    if not reports:
        return
    try:
        store.hunt_arrivals(reports)
    except Exception:
        log.exception("matching %s against stored alerts failed", _references(reports))
    try:
        store.campaign_arrivals(reports)
    except Exception:
        log.exception("linking %s to known campaigns failed", _references(reports))


def _references(reports: Sequence[Report]) -> str:
    return "report " + ", ".join(r.reference for r in reports)


def query_reports(
    store: Store,
    *,
    reporter: str | None = None,
    level: Level | None = None,
    status: ReportStatus | None = None,
    channel: Channel | None = None,
    team: str | None = None,
    exercise: bool | None = None,
    order: ReportOrder = "recent",
    limit: int = 100,
    offset: int = 0,
) -> list[ReportSummary]:
    """Reports matching every filter given, newest, highest score or highest priority first.

    ``exercise``: None for all reports, False to leave drills out, True for drills only.
    ``team`` is the reporter's team.
    """
    return store.list_reports(
        reporter=reporter,
        level=level,
        status=status,
        channel=channel,
        team=team,
        include_exercises=exercise is not False,
        exercises_only=exercise is True,
        order=order,
        limit=limit,
        offset=offset,
    )


def search(store: Store, query: str, *, limit: int = 50) -> SearchHits:
    """Reports and personas matching ``query`` (see :meth:`Store.search`)."""
    return store.search(query, limit=limit)
