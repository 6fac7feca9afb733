"""The security office's queries over the store, shared by the API and the web pages.

The store lists reports newest first, by reporter, status and channel; the
triage queue also filters by level and orders by score, and search looks
through everyone reported. Those are done here over the store's public
methods, page by page, so nothing outside the store touches its tables.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

from lurewatch.identity import canon_profile_url, norm_name
from lurewatch.model import Level
from lurewatch.store import Store
from lurewatch.store.records import CounterpartySummary, ReportStatus, ReportSummary

ReportOrder = Literal["recent", "score"]
PAGE = 500


def _all_reports(
    store: Store, *, reporter: str | None, status: ReportStatus | None, include_exercises: bool
) -> Iterator[ReportSummary]:
    offset = 0
    while True:
        page = store.list_reports(
            reporter=reporter,
            status=status,
            include_exercises=include_exercises,
            limit=PAGE,
            offset=offset,
        )
        yield from page
        if len(page) < PAGE:
            return
        offset += PAGE


def _all_counterparties(store: Store) -> Iterator[CounterpartySummary]:
    offset = 0
    while True:
        page = store.list_counterparties(limit=PAGE, offset=offset)
        yield from page
        if len(page) < PAGE:
            return
        offset += PAGE


def query_reports(
    store: Store,
    *,
    reporter: str | None = None,
    level: Level | None = None,
    status: ReportStatus | None = None,
    exercise: bool | None = None,
    order: ReportOrder = "recent",
    limit: int = 100,
    offset: int = 0,
) -> list[ReportSummary]:
    """Reports matching every filter given, newest first or highest score first.

    ``exercise``: None for all reports, False to leave drills out, True for drills only.
    """
    include_exercises = exercise is not False
    if level is None and exercise is not True and order == "recent":
        return store.list_reports(
            reporter=reporter,
            status=status,
            include_exercises=include_exercises,
            limit=limit,
            offset=offset,
        )
    matching = [
        r
        for r in _all_reports(
            store, reporter=reporter, status=status, include_exercises=include_exercises
        )
        if (level is None or r.level == level) and (exercise is None or r.is_exercise == exercise)
    ]
    if order == "score":  # stable: equal scores stay newest first
        matching.sort(key=lambda r: r.score, reverse=True)
    return matching[offset : offset + limit]


@dataclass(frozen=True, slots=True)
class SearchHits:
    reports: list[ReportSummary]
    personas: list[CounterpartySummary]


def _fold(text: str | None) -> str:
    return norm_name(text) if text else ""


def search(store: Store, query: str, *, limit: int = 50) -> SearchHits:
    """Reports and personas whose name, company, profile address or reference matches ``query``.

    Names and companies match when they contain the query, compared case-,
    accent- and punctuation-folded; a profile address matches in canonical
    form; a reference number (or a part with a digit, e.g. ``2026-0001``)
    matches the reports it is part of. A report matches when one of its
    contacts does. Each list holds at most ``limit`` hits, latest first.
    """
    needle = _fold(query)
    url = canon_profile_url(query) if "/" in query else None
    fragment = query.strip().upper()
    by_reference = len(fragment) >= 3 and any(c.isdigit() for c in fragment)
    personas: list[CounterpartySummary] = []
    via_personas: set[str] = set()
    for summary in _all_counterparties(store):
        if len(personas) >= limit:
            break
        detail = store.get_counterparty(summary.key)
        seen = [
            o.report
            for o in detail.observations
            if (needle and (needle in _fold(o.name) or needle in _fold(o.company)))
            or (url is not None and canon_profile_url(o.profile_url or "") == url)
        ]
        if seen:
            personas.append(summary)
            via_personas.update(seen)
    if not via_personas and not by_reference:
        return SearchHits(reports=[], personas=personas)
    reports = [
        r
        for r in _all_reports(store, reporter=None, status=None, include_exercises=True)
        if r.reference in via_personas or (by_reference and fragment in r.reference)
    ]
    return SearchHits(reports=reports[:limit], personas=personas)
