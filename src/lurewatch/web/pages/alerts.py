"""Alerts (analysts): import or issue an alert, and see who its personas already contacted.

Importing or issuing an alert starts a retro-hunt over every stored report
(:meth:`lurewatch.store.Store.retro_hunt`) in the background
(:class:`lurewatch.web.hunts.HuntRunner`) and redirects at once to the
alert's page, which shows how many reports the hunt has searched (and
reloads itself every few seconds while it runs), then the reported contacts
it matched, or why it failed. Everything an alert or a report carries is
shown as text: persona names, profile addresses and indicator values were
written by the adversary or by another organisation, and are never links.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import msgspec
from fastapi import APIRouter, Request, status
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import UploadFile

from lurewatch.exchange import MAX_ALERT_BYTES, read_alert_bytes
from lurewatch.exchange.alertfile import alert_from_json
from lurewatch.ingest.errors import InputError
from lurewatch.model import INDICATOR_TYPES, TLP_LABELS, Alert
from lurewatch.store import InvalidValue
from lurewatch.web.pages.common import Form, PageAnalyst, context_of, form_text, render

router = APIRouter(include_in_schema=False)

# Indicator types an analyst can give for one persona on the issue form (its name,
# organisation and profile address have fields of their own).
ISSUE_TYPES = tuple(
    t for t in INDICATOR_TYPES if t not in ("persona-name", "organization", "profile-url")
)
# How often the alert's page reloads itself while its retro-hunt runs (a meta refresh:
# the pages run no script).
REFRESH_SECONDS = 3
_ISSUE_FIELDS = (
    "title",
    "tlp",
    "source",
    "persona",
    "aliases",
    "organisation",
    "profile_url",
    "indicators",
    "comment",
)


class IssueError(ValueError):
    """What is wrong with the issue form, in one line."""


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _indicators(text: str, persona: str, tlp: str) -> list[dict[str, Any]]:
    out = []
    for n, line in enumerate(_lines(text), 1):
        kind, sep, value = line.partition(":")
        kind = kind.strip().casefold()
        if not sep or not value.strip():
            raise IssueError(
                f"Indicators, line {n}: write one per line as type: value (e.g. wechat: amy_br88)"
            )
        if kind not in ISSUE_TYPES:
            raise IssueError(
                f"Indicators, line {n}: unknown type {kind!r}; use one of {', '.join(ISSUE_TYPES)}"
            )
        out.append({"type": kind, "value": value.strip(), "persona": persona, "tlp": tlp})
    return out


def issued_alert(fields: dict[str, str], today: dt.date) -> Alert:
    """The alert the issue form describes, read as lurewatch's own alert format reads it.

    Its id comes from the title and the persona's name, as for an alert file
    without an id: issuing the same title and persona again revises that alert.
    """
    title, persona = fields["title"], fields["persona"]
    if not title:
        raise IssueError("Give the alert a title.")
    if not persona:
        raise IssueError("Name the persona the alert is about.")
    if fields["tlp"] not in TLP_LABELS:
        raise IssueError(f"Choose a TLP label: {', '.join(TLP_LABELS)}.")
    doc = {
        "title": title,
        "tlp": fields["tlp"],
        "source": fields["source"],
        "issued": today.isoformat(),
        "description": fields["comment"],
        "personas": [
            {
                "name": persona,
                "aliases": _lines(fields["aliases"]),
                "company": fields["organisation"],
                "profile_url": fields["profile_url"] or None,
            }
        ],
        "indicators": _indicators(fields["indicators"], persona, fields["tlp"]),
    }
    try:
        return alert_from_json(msgspec.json.encode(doc), "the issue form")
    except InputError as exc:
        raise IssueError(str(exc)) from None


def _list_page(
    request: Request,
    *,
    import_error: str | None = None,
    issue_error: str | None = None,
    issue: dict[str, str] | None = None,
    status_code: int = status.HTTP_200_OK,
) -> Response:
    store = context_of(request).store
    return render(
        request,
        "alerts.html",
        {
            "alerts": store.list_alerts(),
            "counts": store.alert_match_counts(),
            "import_error": import_error,
            "issue_error": issue_error,
            "issue": issue
            or {name: "TLP:AMBER" if name == "tlp" else "" for name in _ISSUE_FIELDS},
            "tlp_labels": TLP_LABELS,
            "issue_types": ISSUE_TYPES,
        },
        status_code=status_code,
    )


def _to_alert(alert_id: str) -> Response:
    from urllib.parse import quote

    return RedirectResponse(
        f"/alerts/{quote(alert_id, safe='')}", status_code=status.HTTP_303_SEE_OTHER
    )


@router.get("/alerts")
def alerts_page(request: Request, user: PageAnalyst) -> Response:
    return _list_page(request)


@router.post("/alerts/import")
def import_alert(request: Request, user: PageAnalyst, form: Form) -> Response:
    """Import an uploaded alert file, start its retro-hunt, and show the alert."""
    upload = form.get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        return _list_page(
            request,
            import_error="Choose an alert file to import.",
            status_code=status.HTTP_400_BAD_REQUEST,
        )
    name = upload.filename.replace("\\", "/").rsplit("/", 1)[-1][:200] or "upload"
    data = upload.file.read(MAX_ALERT_BYTES + 1)
    store = context_of(request).store
    try:
        if not data.strip():
            raise InputError(f"{name}: the file is empty")
        alert = read_alert_bytes(data, name)
        summary = store.import_alert(alert, actor=user.username)
    except (InputError, InvalidValue) as exc:
        message = str(exc).splitlines()[0] if str(exc) else "the file could not be read"
        return _list_page(request, import_error=message, status_code=status.HTTP_400_BAD_REQUEST)
    context_of(request).hunts.start(summary.alert_id, actor=user.username)
    return _to_alert(summary.alert_id)


@router.post("/alerts/issue")
def issue_alert(request: Request, user: PageAnalyst, form: Form) -> Response:
    """Issue an alert naming one persona, start its retro-hunt, and show the alert."""
    context = context_of(request)
    fields = {
        name: form_text(form, name, max_chars=20_000 if name == "indicators" else 2_000)
        for name in _ISSUE_FIELDS
    }
    try:
        alert = issued_alert(fields, context.now().date())
        summary = context.store.import_alert(alert, actor=user.username)
    except (IssueError, InvalidValue) as exc:
        return _list_page(
            request,
            issue_error=str(exc),
            issue=fields,
            status_code=status.HTTP_422_UNPROCESSABLE_CONTENT,
        )
    context.hunts.start(summary.alert_id, actor=user.username)
    return _to_alert(summary.alert_id)


@router.get("/alerts/{alert_id:path}")
def alert_page(request: Request, alert_id: str, user: PageAnalyst) -> Response:
    store = context_of(request).store
    alert = store.get_alert(alert_id)
    summary = next((a for a in store.list_alerts() if a.alert_id == alert_id), None)
    # Read before the matches: a hunt that finishes in between shows as running once more
    # (the page reloads), never as done with the previous hunt's matches.
    hunt = store.alert_hunt(alert_id)
    matches = store.alert_matches_for(alert_id)
    personas = {p.id: p.name for p in alert.personas}
    return render(
        request,
        "alert.html",
        {
            "alert": alert,
            "summary": summary,
            "persona_names": personas,
            "hunt": hunt,
            "refresh_seconds": REFRESH_SECONDS if hunt is not None and hunt.active else None,
            "matches": matches,
            "strong": sum(m.strength == "strong" for m in matches),
        },
    )


@router.post("/alerts/{alert_id:path}/hunt")
def hunt_again(request: Request, alert_id: str, user: PageAnalyst, form: Form) -> Response:
    """Start the alert's retro-hunt over every stored report again (unless one is running)."""
    context_of(request).hunts.start(alert_id, actor=user.username)
    return _to_alert(alert_id)
