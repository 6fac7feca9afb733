"""The security office's queries over the store, shared by the API and the web pages.

Filtering, ordering and search are done by the store in SQL
(:meth:`Store.list_reports`, :meth:`Store.search`); this maps the API's
parameters onto them.
"""

from __future__ import annotations

import logging

from lurewatch.model import Level
from lurewatch.store import Store
from lurewatch.store.records import (
    Channel,
    Report,
    ReportOrder,
    ReportStatus,
    ReportSubmission,
    ReportSummary,
    SearchHits,
)

__all__ = ["ReportOrder", "SearchHits", "query_reports", "receive_report", "search"]

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
    try:
        store.hunt_arrival(report, actor=submission.reporter)
    except Exception:
        log.exception("matching report %s against stored alerts failed", report.reference)
    try:
        store.campaign_arrival(report, actor=submission.reporter)
    except Exception:
        log.exception("linking report %s to known campaigns failed", report.reference)
    return report


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
