"""Fan-out (analysts): hashed identifiers that reached several members of staff, from the
``--share-fanout`` files staff handed in, and the alerted persona each one is, if any.

The hashes are hex digits; who contributed and the alerts' titles and persona
names are still shown as text through autoescape, as everywhere.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from lurewatch.web.pages.common import PageAnalyst, context_of, render
from lurewatch.web.routes.sharing import NO_KEY, SharingState

router = APIRouter(include_in_schema=False)

KIND_LABELS = {
    "url": "Profile address",
    "name_company": "Name with company",
    "handle": "Handle, phone or e-mail",
}


@router.get("/fanout")
def fanout_page(
    request: Request,
    user: PageAnalyst,
    min_staff: Annotated[int, Query(ge=1, le=10_000)] = 3,
    window_days: Annotated[int, Query(ge=1, le=3_660)] = 14,
) -> Response:
    """The findings table: kind, staff reached, first and last day, alerted persona."""
    context = context_of(request)
    state: SharingState = request.app.state.sharing
    findings = (
        []
        if state.key is None
        else context.store.fanout_findings(
            min_staff=min_staff, window_days=window_days, key=state.key
        )
    )
    return render(
        request,
        "fanout.html",
        {
            "configured": state.key is not None,
            "no_key": NO_KEY,
            "key_id": state.key.key_id if state.key else "",
            "contributors": context.store.fanout_contributors(),
            "findings": findings,
            "kinds": KIND_LABELS,
            "min_staff": min_staff,
            "window_days": window_days,
        },
    )
