"""Alerts (analysts): import in any format lurewatch reads, list, export as STIX, MISP or JSON."""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status
from starlette.concurrency import run_in_threadpool

from lurewatch.exchange import read_alert_bytes
from lurewatch.model import Alert
from lurewatch.web.deps import AnalystUser, ClockDep, StoreDep
from lurewatch.web.models import (
    AlertHuntPublic,
    AlertImported,
    AlertListItem,
    AlertMatchPublic,
    ErrorBody,
)

router = APIRouter(prefix="/api/alerts", tags=["alerts"])
_ERRORS: dict[int | str, dict[str, object]] = {
    401: {"model": ErrorBody},
    403: {"model": ErrorBody},
    404: {"model": ErrorBody},
}
# CSV and YAML are told by the file name; JSON, STIX and MISP by their content.
_SUFFIX_BY_TYPE = {"text/csv": ".csv", "application/yaml": ".yaml", "text/yaml": ".yaml"}
_UNSAFE_FILENAME = re.compile(r"[^A-Za-z0-9._-]+")


class ExportFormat(StrEnum):
    stix = "stix"
    misp = "misp"
    json = "json"


def _source(request: Request, filename: str | None) -> str:
    if filename:
        return filename
    media = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    return "upload" + _SUFFIX_BY_TYPE.get(media, "")


_BODY_DOC = {
    "requestBody": {
        "required": True,
        "description": "An alert file as it is: lurewatch JSON, YAML or CSV, a STIX 2.1 "
        "bundle, or a MISP event.",
        "content": {
            media: {"schema": {"type": "string", "format": "binary"}}
            for media in ("application/json", "application/yaml", "text/csv")
        },
    }
}


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses={**_ERRORS, 400: {"model": ErrorBody}, 413: {"model": ErrorBody}},
    openapi_extra=_BODY_DOC,
)
async def import_alert(
    request: Request,
    user: AnalystUser,
    store: StoreDep,
    filename: Annotated[
        str | None,
        Query(
            max_length=200,
            description="The file's name, to tell CSV and YAML apart (else the Content-Type).",
        ),
    ] = None,
) -> AlertImported:
    """Import an alert (400 with the reason on a bad file); an alert with a known id replaces it.

    A retro-hunt over every stored report runs right after; the answer counts its matches.
    """
    data = await request.body()
    alert: Alert = await run_in_threadpool(read_alert_bytes, data, _source(request, filename))
    summary = await run_in_threadpool(store.import_alert, alert, actor=user.username)
    matches = await run_in_threadpool(store.run_hunt, summary.alert_id, actor=user.username)
    strong = sum(m.strength == "strong" for m in matches)
    return AlertImported.model_validate(
        {
            **AlertListItem.model_validate(summary).model_dump(),
            "strong_matches": strong,
            "possible_matches": len(matches) - strong,
        }
    )


@router.get("", responses=_ERRORS)
def list_alerts(user: AnalystUser, store: StoreDep) -> list[AlertListItem]:
    """Every stored alert, latest import first."""
    return [AlertListItem.model_validate(a) for a in store.list_alerts()]


@router.get(
    "/{alert_id:path}/export",
    responses={
        **_ERRORS,
        200: {"content": {"application/json": {}}, "description": "The alert document."},
    },
    response_class=Response,
)
def export_alert(
    alert_id: str,
    user: AnalystUser,
    store: StoreDep,
    now: ClockDep,
    export_format: Annotated[ExportFormat, Query(alias="format")] = ExportFormat.json,
) -> Response:
    """The alert as a STIX 2.1 bundle, a MISP event, or lurewatch JSON (TLP markings kept)."""
    alert = store.get_alert(alert_id)
    if export_format is ExportFormat.stix:
        from lurewatch.exchange.stix import alert_to_stix

        data = alert_to_stix(alert, now=now()).encode("utf-8")
    elif export_format is ExportFormat.misp:
        from lurewatch.exchange.misp import alert_to_misp

        data = alert_to_misp(alert, now=now()).encode("utf-8")
    else:
        from lurewatch.exchange.alertfile import alert_to_json

        data = alert_to_json(alert)
    name = _UNSAFE_FILENAME.sub("-", alert.id).strip("-.")[:100] or "alert"
    return Response(
        content=data,
        media_type="application/json",
        headers={
            "Content-Disposition": f'attachment; filename="{name}.{export_format.value}.json"'
        },
    )


@router.post("/{alert_id:path}/hunt", responses=_ERRORS)
def hunt_alert(alert_id: str, user: AnalystUser, store: StoreDep) -> list[AlertMatchPublic]:
    """Run the alert's retro-hunt over every stored report again; the contacts it matched.

    The answer comes when the hunt is done; ``GET .../hunt`` shows it meanwhile.
    """
    matches = store.run_hunt(alert_id, actor=user.username)
    return [AlertMatchPublic.model_validate(m) for m in matches]


@router.get("/{alert_id:path}/hunt", responses=_ERRORS)
def hunt_state(alert_id: str, user: AnalystUser, store: StoreDep) -> AlertHuntPublic:
    """Where the alert's latest retro-hunt stands: queued, running (reports searched of
    total), done, failed or interrupted (with the reason); ``none`` if none was recorded."""
    hunt = store.alert_hunt(alert_id)
    if hunt is None:
        return AlertHuntPublic(
            alert_id=alert_id,
            state="none",
            searched=0,
            total=0,
            requested_by=None,
            requested_at=None,
            started_at=None,
            finished_at=None,
            error=None,
        )
    return AlertHuntPublic.model_validate(hunt)


@router.get("/{alert_id:path}/matches", responses=_ERRORS)
def alert_matches(alert_id: str, user: AnalystUser, store: StoreDep) -> list[AlertMatchPublic]:
    """What the alert's latest retro-hunt found: strong matches first, then newest report first."""
    return [AlertMatchPublic.model_validate(m) for m in store.alert_matches_for(alert_id)]
