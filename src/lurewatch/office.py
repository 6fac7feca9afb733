"""The security office's queries over the store, shared by the API and the web pages.

Filtering, ordering and search are done by the store in SQL
(:meth:`Store.list_reports`, :meth:`Store.search`); this maps the API's
parameters onto them.
"""

from __future__ import annotations

from lurewatch.model import Level
from lurewatch.store import Store
from lurewatch.store.records import (
    Channel,
    ReportOrder,
    ReportStatus,
    ReportSummary,
    SearchHits,
)

__all__ = ["ReportOrder", "SearchHits", "query_reports", "search"]


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
