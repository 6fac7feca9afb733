"""Cases in the TheHive manner (analysts): open, list, move, assign, annotate, link reports."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from lurewatch.store.records import CaseDraft, CaseStatus
from lurewatch.web.deps import AnalystUser, StoreDep
from lurewatch.web.models import (
    CaseAssign,
    CaseCreate,
    CaseListItem,
    CaseNoteCreate,
    CaseNotePublic,
    CasePublic,
    CaseReportLink,
    CaseStatusUpdate,
    ErrorBody,
)

router = APIRouter(prefix="/api/cases", tags=["cases"])
_ERRORS: dict[int | str, dict[str, object]] = {
    401: {"model": ErrorBody},
    403: {"model": ErrorBody},
    404: {"model": ErrorBody},
    422: {"model": ErrorBody},
}


@router.get("", responses=_ERRORS)
def list_cases(
    user: AnalystUser,
    store: StoreDep,
    case_status: Annotated[CaseStatus | None, Query(alias="status")] = None,
    assignee: str | None = None,
    tag: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[CaseListItem]:
    """Cases, most recently updated first."""
    cases = store.list_cases(
        status=case_status, assignee=assignee, tag=tag, limit=limit, offset=offset
    )
    return [CaseListItem.model_validate(c) for c in cases]


@router.post("", status_code=status.HTTP_201_CREATED, responses=_ERRORS)
def create_case(body: CaseCreate, user: AnalystUser, store: StoreDep) -> CasePublic:
    """Open a case (status New), linking the reports named."""
    draft = CaseDraft(
        title=body.title,
        description=body.description,
        severity=body.severity,
        tlp=body.tlp,
        pap=body.pap,
        tags=tuple(body.tags),
        assignee=body.assignee,
        reports=tuple(body.reports),
    )
    return CasePublic.model_validate(store.create_case(draft, actor=user.username))


@router.get("/{case_id}", responses=_ERRORS)
def get_case(case_id: int, user: AnalystUser, store: StoreDep) -> CasePublic:
    return CasePublic.model_validate(store.get_case(case_id))


@router.post("/{case_id}/status", responses=_ERRORS)
def set_case_status(
    case_id: int, body: CaseStatusUpdate, user: AnalystUser, store: StoreDep
) -> CasePublic:
    """Move the case (New, InProgress, TruePositive, FalsePositive, Duplicated, Indeterminate)."""
    return CasePublic.model_validate(
        store.set_case_status(case_id, body.status, actor=user.username)
    )


@router.post("/{case_id}/assign", responses=_ERRORS)
def assign_case(case_id: int, body: CaseAssign, user: AnalystUser, store: StoreDep) -> CasePublic:
    """Give the case to an analyst or admin (``null``: unassign)."""
    return CasePublic.model_validate(store.assign_case(case_id, body.assignee, actor=user.username))


@router.post("/{case_id}/notes", status_code=status.HTTP_201_CREATED, responses=_ERRORS)
def add_case_note(
    case_id: int, body: CaseNoteCreate, user: AnalystUser, store: StoreDep
) -> CaseNotePublic:
    return CaseNotePublic.model_validate(
        store.add_case_note(case_id, body.text, actor=user.username)
    )


@router.post("/{case_id}/reports", responses=_ERRORS)
def link_report(
    case_id: int, body: CaseReportLink, user: AnalystUser, store: StoreDep
) -> CasePublic:
    """Attach a report to the case (a report still 'received' moves to 'in_review')."""
    return CasePublic.model_validate(
        store.link_report(case_id, body.reference, actor=user.username)
    )
