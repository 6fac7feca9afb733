"""Reports: staff submit and follow their own; analysts see all and send verdicts."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status
from starlette.concurrency import run_in_threadpool

from lurewatch import office
from lurewatch.model import Level
from lurewatch.store import NotFound
from lurewatch.store.records import ReportStatus, ReportSubmission
from lurewatch.web.deps import AnalystUser, ContextDep, CurrentUser, StoreDep, has_role
from lurewatch.web.models import (
    ErrorBody,
    ReportCreate,
    ReportDetail,
    ReportListItem,
    ReportPublic,
    ReportReceipt,
    VerdictCreate,
    VerdictTemplatePublic,
)

router = APIRouter(prefix="/api", tags=["reports"])
_ERRORS: dict[int | str, dict[str, object]] = {
    401: {"model": ErrorBody},
    403: {"model": ErrorBody},
    404: {"model": ErrorBody},
    422: {"model": ErrorBody},
}


@router.post(
    "/reports",
    status_code=status.HTTP_201_CREATED,
    responses={**_ERRORS, 413: {"model": ErrorBody}},
)
async def submit_report(
    body: ReportCreate, user: CurrentUser, context: ContextDep, response: Response
) -> ReportReceipt:
    """Report an approach: the contacts you chose from a local scan, as rated there.

    The reference number comes back only once the report is committed to the
    database: an acknowledged report survives a crash.
    """
    submission = ReportSubmission(
        reporter=user.username,
        channel=body.channel,
        contacts=body.contacts,
        assessment=body.assessment,
        is_exercise=body.is_exercise,
    )
    # The database work in a worker thread, where it waits for the transaction that
    # commits it with the reports arriving meanwhile; the rest stays on the event loop.
    report = await run_in_threadpool(context.intake.receive, submission)
    response.headers["Location"] = f"/api/reports/{report.reference}"
    return ReportReceipt.model_validate(report)


@router.get("/reports", responses=_ERRORS)
def list_reports(
    user: CurrentUser,
    store: StoreDep,
    level: Level | None = None,
    report_status: Annotated[ReportStatus | None, Query(alias="status")] = None,
    exercise: Annotated[
        bool | None,
        Query(description="true: security exercises only; false: leave them out; unset: all."),
    ] = None,
    order: Annotated[
        office.ReportOrder,
        Query(
            description="recent: newest first; score: highest first; priority: highest "
            "score x the reporter's team sensitivity first (1.0 without a team). "
            "Ties: newest first."
        ),
    ] = "recent",
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[ReportListItem]:
    """Reports: a reporter's own, or (analysts) everyone's, filtered and ordered."""
    reports = office.query_reports(
        store,
        reporter=None if has_role(user, "analyst") else user.username,
        level=level,
        status=report_status,
        exercise=exercise,
        order=order,
        limit=limit,
        offset=offset,
    )
    return [ReportListItem.model_validate(r) for r in reports]


@router.get("/reports/{reference}", responses=_ERRORS)
def get_report(reference: str, user: CurrentUser, store: StoreDep) -> ReportDetail | ReportPublic:
    """One report: analysts see it in full; its reporter sees what they sent and the verdict.

    Someone else's report is 404 to a reporter, exactly as if it did not exist.
    """
    report = store.get_report(reference)
    if has_role(user, "analyst"):
        return ReportDetail.model_validate(report)
    if report.reporter != user.username:
        raise NotFound(f"no report {reference!r}")
    return ReportPublic.model_validate(report)


@router.post("/reports/{reference}/verdict", responses=_ERRORS)
def record_verdict(
    reference: str, body: VerdictCreate, user: AnalystUser, store: StoreDep
) -> ReportDetail:
    """Send the reporter a verdict: a template's wording, or text written for this report."""
    report = store.record_verdict(
        reference, body.template, actor=user.username, text=body.text, status=body.status
    )
    return ReportDetail.model_validate(report)


@router.get("/verdict-templates", tags=["admin"], responses=_ERRORS)
def list_verdict_templates(user: AnalystUser, store: StoreDep) -> list[VerdictTemplatePublic]:
    """The wording analysts can send reporters (admins edit it)."""
    return [VerdictTemplatePublic.model_validate(t) for t in store.list_verdict_templates()]
