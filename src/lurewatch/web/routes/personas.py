"""Personas: every counterparty reported, with each observation across reports (analysts)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from lurewatch import office
from lurewatch.web.deps import AnalystUser, StoreDep
from lurewatch.web.models import (
    ErrorBody,
    PersonaListItem,
    PersonaPublic,
    ReportListItem,
    SearchResults,
)

router = APIRouter(prefix="/api", tags=["personas"])
_ERRORS: dict[int | str, dict[str, object]] = {
    401: {"model": ErrorBody},
    403: {"model": ErrorBody},
    404: {"model": ErrorBody},
}


@router.get("/personas", responses=_ERRORS)
def list_personas(
    user: AnalystUser,
    store: StoreDep,
    exercises: Annotated[bool, Query(description="Count security exercises too.")] = True,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[PersonaListItem]:
    """Counterparties, most recently reported first, with how often they were reported."""
    found = store.list_counterparties(include_exercises=exercises, limit=limit, offset=offset)
    return [PersonaListItem.model_validate(c) for c in found]


@router.get("/personas/{key:path}", responses=_ERRORS)
def get_persona(key: str, user: AnalystUser, store: StoreDep) -> PersonaPublic:
    """One counterparty by key (``url:linkedin.com/in/...`` or ``name:...``), oldest first."""
    return PersonaPublic.model_validate(store.get_counterparty(key))


@router.get("/search", tags=["search"], responses=_ERRORS)
def search(
    user: AnalystUser,
    store: StoreDep,
    q: Annotated[str, Query(min_length=2, max_length=500)],
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> SearchResults:
    """Reports and personas by name, company, profile address or reference number."""
    hits = office.search(store, q, limit=limit)
    return SearchResults(
        query=q,
        reports=[ReportListItem.model_validate(r) for r in hits.reports],
        personas=[PersonaListItem.model_validate(p) for p in hits.personas],
    )
