"""Campaigns (analysts): approaches to several members of staff linked by what they share.

The list comes from the store's last relink (:meth:`Store.relink_campaigns`,
run from the list page or after demo seeding); a new report whose contact
joins a known campaign is added on arrival. A campaign's page shows the
graph and timeline of :mod:`lurewatch.campaigns` (SVG built by the element
builder, which escapes every value: the only markup rendered as it is), the
graph's table, members, links with their reasons, fan-out findings, and the
analyst's actions: rename, merge, remove a member, make an alert (imported, and
retro-hunted in the background as on the alerts pages) and export STIX 2.1.
Names, companies and link details were written by the adversary: they are
text, escaped, never links.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, HTTPException, Query, Request, status
from fastapi.responses import RedirectResponse, Response

from lurewatch.campaigns import (
    ApproachRecord,
    GraphNode,
    campaign_graph_svg,
    campaign_graph_table,
    campaign_timeline_svg,
    campaign_to_alert,
    campaign_to_stix,
)
from lurewatch.model import TLP_LABELS
from lurewatch.store import InvalidValue
from lurewatch.store.records import CampaignDetail
from lurewatch.web.pages.common import Form, PageAnalyst, context_of, form_text, render

router = APIRouter(include_in_schema=False)

INSTITUTION = "the security office"
DEFAULT_TLP = "TLP:AMBER"


def _to(path: str) -> Response:
    return RedirectResponse(path, status_code=status.HTTP_303_SEE_OTHER)


def _staff_label(detail: CampaignDetail) -> dict[str, str]:
    """Reporter username -> how the graph and timeline name them (with their team)."""
    return {
        m.reporter: f"{m.reporter} ({m.reporter_team})" if m.reporter_team else m.reporter
        for m in detail.members
    }


def _pictures(detail: CampaignDetail) -> dict[str, object]:
    labels = _staff_label(detail)
    by_record = {m.record_id: m for m in detail.members}

    def label(target: str) -> str:
        return labels.get(target, target)

    def href(node: GraphNode) -> str | None:
        member = next((by_record[r] for r in node.records if r in by_record), None)
        if member is None:
            return None
        if node.kind == "persona" and member.counterparty_key:
            return f"/personas/{quote(member.counterparty_key, safe='')}"
        if node.kind == "target":
            return f"/reports/{quote(member.report, safe='')}"
        return None

    def report_href(record: ApproachRecord) -> str | None:
        member = by_record.get(record.id)
        return f"/reports/{quote(member.report, safe='')}" if member else None

    return {
        "graph": campaign_graph_svg(detail.campaign, detail.records, target_label=label, href=href),
        "table": campaign_graph_table(detail.campaign, detail.records, target_label=label),
        "timeline": campaign_timeline_svg(
            detail.campaign,
            detail.records,
            target_label=label,
            levels={m.record_id: m.level.value for m in detail.members},
            href=report_href,
        ),
        "fanout": [(f, [label(t) for t in f.targets]) for f in detail.fanout],
    }


@router.get("/campaigns")
def campaigns_page(request: Request, user: PageAnalyst) -> Response:
    """Every stored campaign, largest first, and the button that relinks them."""
    return render(
        request, "campaigns.html", {"campaigns": context_of(request).store.list_campaigns()}
    )


@router.post("/campaigns/relink")
def relink(request: Request, user: PageAnalyst, form: Form) -> Response:
    """Link every stored contact again, keeping the analysts' merges, splits and names."""
    context_of(request).store.relink_campaigns(actor=user.username)
    return _to("/campaigns")


@router.get("/campaigns/{campaign_id}")
def campaign_page(request: Request, campaign_id: int, user: PageAnalyst) -> Response:
    store = context_of(request).store
    detail = store.get_campaign(campaign_id)
    others = [c for c in store.list_campaigns() if c.id != campaign_id]
    return render(
        request,
        "campaign.html",
        {
            "c": detail,
            "others": others,
            "tlp_labels": TLP_LABELS,
            "default_tlp": DEFAULT_TLP,
            "institution": INSTITUTION,
            "staff": sorted({m.reporter for m in detail.members}),
            **_pictures(detail),
        },
    )


@router.post("/campaigns/{campaign_id}/name")
def name(request: Request, campaign_id: int, user: PageAnalyst, form: Form) -> Response:
    """Name the campaign (an empty name gives the generated one back)."""
    context_of(request).store.name_campaign(
        campaign_id, form_text(form, "name", max_chars=200), actor=user.username
    )
    return _to(f"/campaigns/{campaign_id}")


@router.post("/campaigns/{campaign_id}/merge")
def merge(request: Request, campaign_id: int, user: PageAnalyst, form: Form) -> Response:
    """Merge another campaign into this one."""
    other = form_text(form, "other", max_chars=20)
    if not other.isdigit():
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT, detail="Choose a campaign to merge with."
        )
    merged = context_of(request).store.merge_campaigns(
        campaign_id, int(other), actor=user.username, note=form_text(form, "note", max_chars=500)
    )
    return _to(f"/campaigns/{merged}")


@router.post("/campaigns/{campaign_id}/remove")
def remove(request: Request, campaign_id: int, user: PageAnalyst, form: Form) -> Response:
    """Take one contact out of the campaign; the list if nothing of the campaign is left."""
    reference = form_text(form, "report", max_chars=40)
    position = form_text(form, "position", max_chars=10)
    if not reference or not position.isdigit():
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT, detail="Choose a member to remove."
        )
    left = context_of(request).store.split_member(
        campaign_id, reference, int(position), actor=user.username
    )
    return _to(f"/campaigns/{campaign_id}" if campaign_id in left else "/campaigns")


@router.post("/campaigns/{campaign_id}/alert")
def make_alert(request: Request, campaign_id: int, user: PageAnalyst, form: Form) -> Response:
    """The campaign's personas and shared artefacts as an alert: imported, retro-hunted,
    and shown."""
    context = context_of(request)
    detail = context.store.get_campaign(campaign_id)
    tlp = form_text(form, "tlp", max_chars=40) or DEFAULT_TLP
    title = form_text(form, "title", max_chars=500) or detail.name
    try:
        alert = campaign_to_alert(
            detail.campaign,
            detail.records,
            title=title,
            tlp=tlp,
            source=form_text(form, "source", max_chars=200) or INSTITUTION,
            issued=context.now().date(),
        )
    except ValueError as exc:
        raise InvalidValue(str(exc)) from None
    summary = context.store.import_alert(alert, actor=user.username)
    context.hunts.start(summary.alert_id, actor=user.username)  # in the background
    return _to(f"/alerts/{quote(summary.alert_id, safe='')}")


@router.get("/campaigns/{campaign_id}/stix")
def export_stix(
    request: Request,
    campaign_id: int,
    user: PageAnalyst,
    tlp: Annotated[str, Query(max_length=40)] = DEFAULT_TLP,
    institution: Annotated[str, Query(max_length=200)] = INSTITUTION,
) -> Response:
    """The campaign as a STIX 2.1 bundle, TLP-marked; no member of staff is named in it."""
    context = context_of(request)
    detail = context.store.get_campaign(campaign_id)
    try:
        bundle = campaign_to_stix(
            detail.campaign,
            detail.records,
            tlp=tlp,
            now=context.now(),
            institution=institution.strip() or INSTITUTION,
            title=detail.name,
        )
    except ValueError as exc:
        raise InvalidValue(str(exc)) from None
    return Response(
        bundle,
        media_type="application/json",
        headers={
            "Content-Disposition": f'attachment; filename="lurewatch-campaign-{campaign_id}.json"',
            "Cache-Control": "no-store",
        },
    )
