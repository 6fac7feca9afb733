"""The analysts' case pages: the list of cases, and one case with its linked reports.

Cases follow TheHive: six statuses, severity, TLP and PAP labels, tags, one
assignee (an active analyst or admin), notes. Every action is a POST form
that the store audits, then a redirect back to the case.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request, status
from fastapi.responses import RedirectResponse, Response

from lurewatch.store import InvalidValue
from lurewatch.store.cases import ASSIGNABLE_ROLES
from lurewatch.store.records import (
    CASE_STATUSES,
    PAP_LABELS,
    SEVERITIES,
    TLPS,
    CaseDraft,
    CaseStatus,
    Severity,
    User,
)
from lurewatch.web.pages.common import Form, PageAnalyst, context_of, form_text, render
from lurewatch.web.pages.triage import REPORT_STATUS_LABELS, report_values

router = APIRouter(include_in_schema=False)

CASES_PAGE = 50
CASE_STATUS_LABELS = {
    "New": "New",
    "InProgress": "In progress",
    "TruePositive": "True positive",
    "FalsePositive": "False positive",
    "Duplicated": "Duplicated",
    "Indeterminate": "Indeterminate",
}
DONE = {
    "status": "Status changed.",
    "assigned": "Assignee changed.",
    "updated": "Case details saved.",
    "note": "Note added.",
    "linked": "Report linked.",
}


def _case_status(value: str) -> CaseStatus:
    if value not in CASE_STATUSES:
        raise InvalidValue(f"status {value!r}: expected one of {', '.join(CASE_STATUSES)}")
    return value  # type: ignore[return-value]


def _severity(value: str) -> Severity:
    if value not in SEVERITIES:
        raise InvalidValue(f"severity {value!r}: expected one of {', '.join(SEVERITIES)}")
    return value  # type: ignore[return-value]


def _assignable(users: list[User]) -> list[User]:
    return [u for u in users if u.role in ASSIGNABLE_ROLES and u.is_active]


def _see(path: str) -> RedirectResponse:
    return RedirectResponse(path, status_code=status.HTTP_303_SEE_OTHER)


def _back(case_id: int, done: str) -> RedirectResponse:
    return _see(f"/cases/{case_id}?done={done}")


@router.get("/cases")
def cases_page(
    request: Request,
    user: PageAnalyst,
    case_status: Annotated[str, Query(alias="status", max_length=20)] = "",
    assignee: Annotated[str, Query(max_length=150)] = "",
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
) -> Response:
    """Cases, most recently updated first, by status and assignee."""
    store = context_of(request).store
    wanted = _case_status(case_status) if case_status else None
    cases = store.list_cases(
        status=wanted,
        assignee=assignee or None,
        limit=CASES_PAGE + 1,
        offset=(page - 1) * CASES_PAGE,
    )
    more = len(cases) > CASES_PAGE
    filters = [(k, v) for k, v in (("status", case_status), ("assignee", assignee)) if v]

    def url(n: int) -> str:
        query = urlencode(filters + ([("page", str(n))] if n > 1 else []))
        return f"/cases?{query}" if query else "/cases"

    return render(
        request,
        "cases.html",
        {
            "cases": cases[:CASES_PAGE],
            "status": case_status,
            "assignee": assignee,
            "statuses": CASE_STATUS_LABELS,
            "analysts": _assignable(store.list_users()),
            "severities": SEVERITIES,
            "tlps": TLPS,
            "page": page,
            "previous_url": url(page - 1) if page > 1 else None,
            "next_url": url(page + 1) if more else None,
        },
    )


@router.post("/cases")
def create_case(request: Request, user: PageAnalyst, form: Form) -> Response:
    """Open a case with no reports yet (reports are linked from their page or the case's)."""
    case = context_of(request).store.create_case(
        CaseDraft(
            title=form_text(form, "title", max_chars=500),
            description=form_text(form, "description"),
            severity=_severity(form_text(form, "severity", max_chars=20) or "medium"),
            tlp=form_text(form, "tlp", max_chars=20) or "TLP:AMBER",
        ),
        actor=user.username,
    )
    return _see(f"/cases/{case.id}")


@router.get("/cases/{case_id}")
def case_page(request: Request, case_id: int, user: PageAnalyst, done: str = "") -> Response:
    """One case: its fields, notes, and every linked report with the evidence highlighted."""
    store = context_of(request).store
    case = store.get_case(case_id)
    reports = [report_values(store, store.get_report(ref)) for ref in case.reports]
    return render(
        request,
        "case.html",
        {
            "case": case,
            "reports": reports,
            "statuses": CASE_STATUS_LABELS,
            "report_statuses": REPORT_STATUS_LABELS,
            "severities": SEVERITIES,
            "tlps": TLPS,
            "paps": PAP_LABELS,
            "analysts": _assignable(store.list_users()),
            "done": DONE.get(done),
        },
    )


@router.post("/cases/{case_id}/status")
def set_status(request: Request, case_id: int, user: PageAnalyst, form: Form) -> Response:
    new_status = _case_status(form_text(form, "status", max_chars=20))
    context_of(request).store.set_case_status(case_id, new_status, actor=user.username)
    return _back(case_id, "status")


@router.post("/cases/{case_id}/assign")
def assign(request: Request, case_id: int, user: PageAnalyst, form: Form) -> Response:
    """Give the case to an analyst or admin; an empty choice leaves it with nobody."""
    assignee = form_text(form, "assignee", max_chars=150) or None
    context_of(request).store.assign_case(case_id, assignee, actor=user.username)
    return _back(case_id, "assigned")


@router.post("/cases/{case_id}/update")
def update(request: Request, case_id: int, user: PageAnalyst, form: Form) -> Response:
    """Severity, TLP, PAP and tags (comma-separated) as the form shows them."""
    tags = [t for t in form_text(form, "tags", max_chars=5000).split(",") if t.strip()]
    context_of(request).store.update_case(
        case_id,
        actor=user.username,
        severity=_severity(form_text(form, "severity", max_chars=20)),
        tlp=form_text(form, "tlp", max_chars=20),
        pap=form_text(form, "pap", max_chars=20),
        tags=tags,
    )
    return _back(case_id, "updated")


@router.post("/cases/{case_id}/notes")
def add_note(request: Request, case_id: int, user: PageAnalyst, form: Form) -> Response:
    context_of(request).store.add_case_note(
        case_id, form_text(form, "text", max_chars=20_000), actor=user.username
    )
    return _back(case_id, "note")


@router.post("/cases/{case_id}/reports")
def link_report(request: Request, case_id: int, user: PageAnalyst, form: Form) -> Response:
    """Link a report by its reference number (``LW-2026-000123``)."""
    reference = form_text(form, "reference", max_chars=32).upper()
    if not reference:
        raise InvalidValue("reference: give a report's reference number, e.g. LW-2026-000123")
    context_of(request).store.link_report(case_id, reference, actor=user.username)
    return _back(case_id, "linked")
