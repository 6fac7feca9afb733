"""The analysts' triage pages: the queue with its filters and saved views, and one report.

The queue is a GET form over :meth:`Store.list_reports`, which filters, orders
and pages in SQL; the rest of a row (top reason, linked cases) comes from
:meth:`Store.queue_details` in one go for the page, never a query per row.
Everything a reporter sent was written, in the end, by the adversary: it is
shown escaped, and profile addresses are text, never links.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import parse_qsl, quote, urlencode

from fastapi import APIRouter, HTTPException, Query, Request, status
from fastapi.responses import RedirectResponse, Response

from lurewatch import office
from lurewatch.html_report import Segment, mark_segments
from lurewatch.model import Level
from lurewatch.store import InvalidValue, NotFound, Store
from lurewatch.store.records import (
    CHANNELS,
    LEVELS,
    REPORT_ORDERS,
    REPORT_STATUSES,
    SEVERITIES,
    TLPS,
    CaseDraft,
    Channel,
    Report,
    ReportOrder,
    ReportStatus,
    ReportSummary,
    SubmittedContact,
)
from lurewatch.web.pages.common import (
    Form,
    PageAnalyst,
    context_of,
    form_text,
    render,
    show_time,
)

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 50
# A search is the store's newest matches, filtered and ordered here: at most this many.
SEARCH_LIMIT = 200
MAX_OFFSET = 1_000_000
EXERCISE_CHOICES = ("exclude", "include", "only")
ORDER_LABELS = {"priority": "Priority", "score": "Score", "recent": "Most recent"}
REPORT_STATUS_LABELS = {"received": "Received", "in_review": "In review", "closed": "Closed"}
# What a page says after an action: fixed wording, chosen by a key in the redirect.
DONE = {
    "verdict": "Verdict sent to the reporter.",
    "status": "Report status changed.",
    "exercise": "Exercise marking changed.",
    "linked": "Report linked to the case.",
}


# --- the queue's filters ------------------------------------------------------------------

# Each filter and the values it may take (None: free text, e.g. a team's name), in the
# order a normalised query string lists them.
_CHOICES: dict[str, tuple[str, ...] | None] = {
    "q": None,
    "level": LEVELS,
    "status": REPORT_STATUSES,
    "team": None,
    "channel": CHANNELS,
    "exercises": EXERCISE_CHOICES,
    "order": REPORT_ORDERS,
}


@dataclass(frozen=True, slots=True)
class QueueFilters:
    """The queue's filters as read from a query string; defaults are left out of URLs."""

    q: str = ""
    level: str = ""
    status: str = ""
    team: str = ""
    channel: str = ""
    exercises: str = "exclude"
    order: str = "priority"

    @classmethod
    def parse(cls, params: Iterable[tuple[str, str]], *, strict: bool) -> QueueFilters:
        """The filters among ``params`` (other keys ignored).

        ``strict``: a value out of range is a 422 (a URL typed by hand);
        otherwise it is dropped (normalising a query string to save).
        """
        values: dict[str, str] = {}
        for key, raw in params:
            if key not in _CHOICES or key in values:
                continue
            value = raw.strip()[:200]
            choices = _CHOICES[key]
            if value and choices is not None and value not in choices:
                if strict:
                    raise HTTPException(
                        status.HTTP_422_UNPROCESSABLE_CONTENT,
                        detail=f"{key}: {value!r} is not one of {', '.join(choices)}",
                    )
                continue
            if value:
                values[key] = value
        return cls(**values)

    def pairs(self) -> list[tuple[str, str]]:
        default = QueueFilters()
        return [
            (key, getattr(self, key))
            for key in _CHOICES
            if getattr(self, key) != getattr(default, key)
        ]

    def query(self, **extra: object) -> str:
        """The normalised query string: known filters with non-default values, then ``extra``."""
        return urlencode(self.pairs() + [(k, str(v)) for k, v in extra.items()])

    def url(self, **extra: object) -> str:
        query = self.query(**extra)
        return f"/queue?{query}" if query else "/queue"

    @property
    def narrowed(self) -> bool:
        return any(k != "order" for k, _ in self.pairs())


def normalise_query(query: str) -> str:
    """A query string reduced to the queue's known filters with valid, non-default values."""
    return QueueFilters.parse(parse_qsl(query, keep_blank_values=True), strict=False).query()


@dataclass(frozen=True, slots=True)
class QueueRow:
    report: ReportSummary
    top_reason: str
    case_ids: tuple[int, ...]


def _exercise_flag(choice: str) -> bool | None:
    return {"exclude": False, "include": None, "only": True}[choice]


def _keep(r: ReportSummary, f: QueueFilters) -> bool:
    flag = _exercise_flag(f.exercises)
    return (
        (not f.level or r.level.value == f.level)
        and (not f.status or r.status == f.status)
        and (not f.team or r.reporter_team == f.team)
        and (not f.channel or r.channel == f.channel)
        and (flag is None or r.is_exercise == flag)
    )


def _searched(
    store: Store, f: QueueFilters, sensitivity: Mapping[str, float]
) -> list[ReportSummary]:
    """The search's hits passing the filters, in the queue's order."""
    hits = [r for r in store.search(f.q, limit=SEARCH_LIMIT).reports if _keep(r, f)]

    def key(r: ReportSummary) -> tuple[float, float, int]:
        team = sensitivity.get(r.reporter_team or "", 1.0)
        first = {"recent": 0.0, "score": float(r.score), "priority": r.score * team}[f.order]
        return (-first, -r.received_at.timestamp(), -r.id)

    return sorted(hits, key=key)


def _page_of_reports(
    store: Store, f: QueueFilters, offset: int, sensitivity: Mapping[str, float]
) -> tuple[list[ReportSummary], bool]:
    """One page of the queue from ``offset`` on, and whether another follows."""
    if f.q:
        hits = _searched(store, f, sensitivity)
        return hits[offset : offset + PAGE_SIZE], len(hits) > offset + PAGE_SIZE
    rows = office.query_reports(
        store,
        level=Level(f.level) if f.level else None,
        status=_as_status(f.status) if f.status else None,
        channel=_as_channel(f.channel) if f.channel else None,
        team=f.team or None,
        exercise=_exercise_flag(f.exercises),
        order=_as_order(f.order),
        limit=PAGE_SIZE + 1,  # one more tells whether there is a next page
        offset=offset,
    )
    return rows[:PAGE_SIZE], len(rows) > PAGE_SIZE


def _as_status(value: str) -> ReportStatus:
    if value not in REPORT_STATUSES:
        raise InvalidValue(f"status {value!r}: expected one of {', '.join(REPORT_STATUSES)}")
    return value  # type: ignore[return-value]


def _as_channel(value: str) -> Channel:
    if value not in CHANNELS:
        raise InvalidValue(f"channel {value!r}: expected one of {', '.join(CHANNELS)}")
    return value  # type: ignore[return-value]


def _as_order(value: str) -> ReportOrder:
    if value not in REPORT_ORDERS:
        raise InvalidValue(f"order {value!r}: expected one of {', '.join(REPORT_ORDERS)}")
    return value  # type: ignore[return-value]


def _previous(filters: QueueFilters, offset: int) -> str | None:
    if offset == 0:
        return None
    back = max(0, offset - PAGE_SIZE)
    return filters.url(offset=back) if back else filters.url()


def _see(path: str) -> RedirectResponse:
    return RedirectResponse(path, status_code=status.HTTP_303_SEE_OTHER)


# --- the queue ----------------------------------------------------------------------------


@router.get("/queue")
def queue(
    request: Request,
    user: PageAnalyst,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> Response:
    """Reports to triage, highest priority first, with filters and the analyst's saved views."""
    store = context_of(request).store
    filters = QueueFilters.parse(request.query_params.multi_items(), strict=True)
    teams = store.list_teams()
    sensitivity = {t.name: t.sensitivity for t in teams}
    reports, more = _page_of_reports(store, filters, offset, sensitivity)
    details = store.queue_details(r.id for r in reports)
    rows = [
        QueueRow(
            report=r,
            top_reason=details[r.id].top_reason if r.id in details else "",
            case_ids=details[r.id].case_ids if r.id in details else (),
        )
        for r in reports
    ]
    views = [(v, normalise_query(v.query)) for v in store.list_views(user.username)]
    return render(
        request,
        "queue.html",
        {
            "filters": filters,
            "rows": rows,
            "offset": offset,
            "page": offset // PAGE_SIZE + 1,
            "previous_url": _previous(filters, offset),
            "next_url": filters.url(offset=offset + PAGE_SIZE) if more else None,
            "teams": teams,
            "levels": LEVELS,
            "statuses": REPORT_STATUS_LABELS,
            "channels": CHANNELS,
            "orders": ORDER_LABELS,
            "views": views,
            "search_limit": SEARCH_LIMIT,
        },
    )


@router.post("/queue/views")
def save_view(request: Request, user: PageAnalyst, form: Form) -> Response:
    """Save the queue's current filters under a name (the same name replaces a view)."""
    query = normalise_query(form_text(form, "query", max_chars=4000))
    name = form_text(form, "name", max_chars=200)
    context_of(request).store.save_view(user.username, name, query, actor=user.username)
    return _see(f"/queue?{query}" if query else "/queue")


@router.post("/queue/views/{view_id}/delete")
def delete_view(request: Request, view_id: int, user: PageAnalyst, form: Form) -> Response:
    context_of(request).store.delete_view(user.username, view_id, actor=user.username)
    return _see("/queue")


# --- a report -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ItemView:
    number: int
    kind: str
    date: str | None
    subject: tuple[Segment, ...]
    excerpt: tuple[Segment, ...]
    flagged: bool


@dataclass(frozen=True, slots=True)
class QuoteView:
    text: str
    where: str


@dataclass(frozen=True, slots=True)
class FindingView:
    title: str
    weight: str
    quotes: tuple[QuoteView, ...]


@dataclass(frozen=True, slots=True)
class ContactView:
    number: int
    name: str
    position: str
    company: str
    profile_url: str | None
    level: str
    score: int
    first_contact: str
    last_contact: str
    findings: tuple[FindingView, ...]
    items: tuple[ItemView, ...]
    context: tuple[str, ...]


def _shown(value: str | None) -> str:
    """A date as written by the reporter's scan: with its time only when it has one."""
    timed = value is not None and ("T" in value or " " in value.strip())
    return show_time(value, time=timed)


def _where(item: int, field: str, n_items: int) -> str:
    if item < 0:
        return f"their profile ({field.removeprefix('profile.')})"
    if item >= n_items:
        return f"item {item + 1} (not sent)"
    return f"item {item + 1}" + (" subject" if field == "subject" else "")


def contact_view(number: int, c: SubmittedContact) -> ContactView:
    """One reported contact, with each item's excerpt cut into plain and evidence runs."""
    subject_needles: dict[int, list[str]] = {}
    text_needles: dict[int, list[str]] = {}
    for f in c.findings:
        for e in f.evidence:
            if e.item >= 0:
                target = subject_needles if e.field == "subject" else text_needles
                target.setdefault(e.item, []).append(e.text)
    items = tuple(
        ItemView(
            number=i + 1,
            kind=it.kind.capitalize() or "Item",
            date=_shown(it.date) if it.date else None,
            subject=mark_segments(it.subject, subject_needles.get(i, ())) if it.subject else (),
            excerpt=mark_segments(it.excerpt, text_needles.get(i, ())),
            flagged=i in subject_needles or i in text_needles,
        )
        for i, it in enumerate(c.items)
    )
    findings = tuple(
        FindingView(
            title=f.title,
            weight=f"{f.weight:+.1f}",
            quotes=tuple(
                QuoteView(" ".join(e.text.split()), _where(e.item, e.field, len(c.items)))
                for e in f.evidence
            ),
        )
        for f in sorted(c.findings, key=lambda f: -f.weight)
    )
    return ContactView(
        number=number,
        name=c.name or "(no name)",
        position=c.position,
        company=c.company,
        profile_url=c.profile_url,
        level=c.level.value,
        score=c.score,
        first_contact=_shown(c.first_contact),
        last_contact=_shown(c.last_contact),
        findings=findings,
        items=items,
        context=c.context,
    )


def contact_views(contacts: Sequence[SubmittedContact]) -> list[ContactView]:
    """A report's contacts, highest score first (the order an analyst reads them)."""
    ranked = sorted(enumerate(contacts), key=lambda ic: (-ic[1].score, ic[0]))
    return [contact_view(i + 1, c) for i, c in ranked]


def report_values(store: Store, report: Report) -> dict[str, object]:
    """What the report partial (``report_body.html``) needs."""
    try:
        reporter = store.get_user(report.reporter)
        team, display = reporter.team, reporter.display_name
    except NotFound:  # an account renamed away still leaves its reports readable
        team, display = None, ""
    return {
        "report": report,
        "reporter_team": team,
        "reporter_name": display,
        "contacts": contact_views(report.contacts),
        "report_statuses": REPORT_STATUS_LABELS,
    }


@router.get("/reports/{reference}")
def report_page(request: Request, reference: str, user: PageAnalyst, done: str = "") -> Response:
    """One report in full, with the actions an analyst takes on it."""
    store = context_of(request).store
    report = store.get_report(reference)
    return render(
        request,
        "report.html",
        {
            **report_values(store, report),
            "templates": store.list_verdict_templates(),
            "severities": SEVERITIES,
            "tlps": TLPS,
            "done": DONE.get(done),
            "case_title": _case_title(report),
        },
    )


def _case_title(report: Report) -> str:
    top = max(report.contacts, key=lambda c: c.score, default=None)
    who = top.name if top is not None and top.name else "unnamed contact"
    if top is not None and top.company:
        who += f" ({top.company})"
    return f"{report.reference}: {who}"[:500]


def _report_url(reference: str, done: str) -> str:
    return f"/reports/{quote(reference, safe='')}?done={done}"


@router.post("/reports/{reference}/verdict")
def send_verdict(request: Request, reference: str, user: PageAnalyst, form: Form) -> Response:
    """Send the reporter a verdict: a template's wording, or that wording as edited here."""
    store = context_of(request).store
    template = form_text(form, "template", max_chars=100)
    text = form_text(form, "text") or None
    new_status = form_text(form, "status", max_chars=20)
    store.record_verdict(
        reference,
        template,
        actor=user.username,
        text=text,
        status=_as_status(new_status) if new_status else None,
    )
    return _see(_report_url(reference, "verdict"))


@router.post("/reports/{reference}/status")
def set_status(request: Request, reference: str, user: PageAnalyst, form: Form) -> Response:
    new_status = _as_status(form_text(form, "status", max_chars=20))
    context_of(request).store.set_report_status(reference, new_status, actor=user.username)
    return _see(_report_url(reference, "status"))


@router.post("/reports/{reference}/exercise")
def set_exercise(request: Request, reference: str, user: PageAnalyst, form: Form) -> Response:
    """Mark the report as a security exercise, or as a real report again."""
    value = form_text(form, "is_exercise", max_chars=5)
    if value not in ("true", "false"):
        raise InvalidValue("is_exercise: expected true or false")
    context_of(request).store.set_report_exercise(reference, value == "true", actor=user.username)
    return _see(_report_url(reference, "exercise"))


@router.post("/reports/{reference}/case")
def open_case(request: Request, reference: str, user: PageAnalyst, form: Form) -> Response:
    """Open a case with this report linked, then go to the case."""
    store = context_of(request).store
    case = store.create_case(
        CaseDraft(
            title=form_text(form, "title", max_chars=500),
            severity=form_text(form, "severity", max_chars=20) or "medium",  # type: ignore[arg-type]
            tlp=form_text(form, "tlp", max_chars=20) or "TLP:AMBER",
            reports=(reference,),
        ),
        actor=user.username,
    )
    return _see(f"/cases/{case.id}")


@router.post("/reports/{reference}/link")
def link_to_case(request: Request, reference: str, user: PageAnalyst, form: Form) -> Response:
    """Link the report to an existing case, by the case's number."""
    raw = form_text(form, "case_id", max_chars=20).lstrip("#")
    if not raw.isdigit():
        raise InvalidValue("case number: give the number of an existing case, e.g. 12")
    context_of(request).store.link_report(int(raw), reference, actor=user.username)
    return _see(_report_url(reference, "linked"))
