"""Personas: the counterparties staff reported, ranked by how far they reached, and one
persona across every report that names it, with a timeline of who it wrote to and when.

Names, companies and profile addresses here were written by the persona: they
are shown as text (never as links) and escaped everywhere, the timeline's SVG
included (:mod:`lurewatch.charts`).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from lurewatch.charts import Mark, Svg, timeline
from lurewatch.model import Level
from lurewatch.store.records import Counterparty, FindingSummary, Observation, PersonaOrder
from lurewatch.web.pages.common import PageAnalyst, context_of, render, show_time

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 50
TOP_FINDINGS = 3
ORDERS: tuple[tuple[str, str], ...] = (
    ("reports", "Most reports"),
    ("staff", "Most staff reached"),
    ("level", "Highest rating"),
    ("recent", "Most recently reported"),
)


# --- the list --------------------------------------------------------------------------


@router.get("/personas")
def personas_page(
    request: Request,
    user: PageAnalyst,
    q: Annotated[str, Query(max_length=200)] = "",
    order: PersonaOrder = "reports",
    exercises: bool = False,
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
) -> Response:
    """Personas ranked by reports, staff reached, rating or recency; exercises left out unless
    asked for."""
    found = context_of(request).store.rank_personas(
        q=q.strip(),
        order=order,
        include_exercises=exercises,
        limit=PAGE_SIZE + 1,
        offset=(page - 1) * PAGE_SIZE,
    )

    def page_link(n: int) -> str:
        query = f"order={order}&page={n}" + ("&exercises=1" if exercises else "")
        return "/personas?" + (f"q={quote(q.strip(), safe='')}&" if q.strip() else "") + query

    return render(
        request,
        "personas.html",
        {
            "personas": found[:PAGE_SIZE],
            "q": q.strip(),
            "order": order,
            "orders": ORDERS,
            "exercises": exercises,
            "page": page,
            "previous": page_link(page - 1) if page > 1 else None,
            "next": page_link(page + 1) if len(found) > PAGE_SIZE else None,
        },
    )


# --- one persona -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Row:
    """One observation on the persona page, with the report's sender."""

    reference: str
    reporter: str
    team: str | None
    reported_at: dt.datetime
    first_contact: dt.datetime | None
    last_contact: dt.datetime | None
    level: str
    score: int
    name: str
    company: str
    findings: tuple[FindingSummary, ...]
    is_exercise: bool


@dataclass(frozen=True, slots=True)
class Written:
    """A name, company or profile address as written, and in how many reports."""

    text: str
    times: int


def contact_time(value: str | None) -> dt.datetime | None:
    """A contact date as stored (ISO date or time), as an aware UTC time; None if unreadable."""
    if not value:
        return None
    try:
        when = dt.datetime.fromisoformat(value)
    except ValueError:
        try:
            when = dt.datetime.fromisoformat(value[:10])
        except ValueError:
            return None
    return when.replace(tzinfo=dt.UTC) if when.tzinfo is None else when.astimezone(dt.UTC)


def _as_written(values: list[str]) -> tuple[Written, ...]:
    counts = Counter(v for v in values if v.strip())
    return tuple(Written(text, n) for text, n in counts.most_common())


def _rows(
    observations: tuple[Observation, ...], senders: dict[str, tuple[str, str | None]]
) -> list[Row]:
    rows = []
    for o in observations:
        reporter, team = senders.get(o.report, ("unknown", None))
        rows.append(
            Row(
                reference=o.report,
                reporter=reporter,
                team=team,
                reported_at=o.reported_at,
                first_contact=contact_time(o.first_contact),
                last_contact=contact_time(o.last_contact),
                level=o.level.value,
                score=o.score,
                name=o.name,
                company=o.company,
                findings=tuple(sorted(o.findings, key=lambda f: -f.weight)[:TOP_FINDINGS]),
                is_exercise=o.is_exercise,
            )
        )
    return rows


def _timeline(persona: Counterparty, rows: list[Row]) -> Svg:
    marks = []
    for r in rows:
        start = r.first_contact or r.reported_at
        until = r.last_contact if r.last_contact and r.last_contact > start else None
        wrote = (
            f"first wrote {show_time(r.first_contact, time=False)}"
            if r.first_contact
            else f"reported {show_time(r.reported_at, time=False)}"
        )
        marks.append(
            Mark(
                at=start,
                until=until,
                lane=r.reporter,
                level=r.level,
                label=f"{r.reference}: to {r.reporter}, {wrote}, rated {r.level} ({r.score}/100)",
                href=f"/reports/{quote(r.reference, safe='')}",
            )
        )
    return timeline(
        chart_id="persona-timeline",
        title=f"When {persona.name or 'this persona'} wrote to each member of staff",
        marks=marks,
        empty="No reports of this persona to show.",
    )


def _days(first: dt.datetime, last: dt.datetime) -> int:
    return (last.date() - first.date()).days + 1


@router.get("/personas/{key:path}")
def persona_page(
    request: Request, key: str, user: PageAnalyst, exercises: bool = False
) -> Response:
    """One persona: what it called itself, whom it reached and when, and every report."""
    store = context_of(request).store
    persona = store.get_counterparty(key)
    senders = {r.reference: (r.reporter, r.reporter_team) for r in store.persona_reports(key)}
    observations = tuple(o for o in persona.observations if exercises or not o.is_exercise)
    rows = _rows(observations, senders)
    hidden = len(persona.observations) - len(observations)
    starts = [r.first_contact or r.reported_at for r in rows]
    ends = [
        max((t for t in (r.first_contact, r.last_contact) if t), default=r.reported_at)
        for r in rows
    ]
    top = max(rows, key=lambda r: (Level(r.level).rank, r.score), default=None)
    staff = sorted({r.reporter for r in rows})
    teams = sorted({r.team for r in rows if r.team})
    return render(
        request,
        "persona.html",
        {
            "persona": persona,
            "key": key,
            "rows": rows,
            "exercises": exercises,
            "hidden": hidden,
            "names": _as_written([r.name for r in rows]),
            "companies": _as_written([r.company for r in rows]),
            "urls": _as_written([o.profile_url or "" for o in observations]),
            "staff": staff,
            "teams": teams,
            "reports": len({r.reference for r in rows}),
            "first": min(starts, default=None),
            "last": max(ends, default=None),
            "days": _days(min(starts), max(ends)) if rows else 0,
            "reported_first": rows[0].reported_at if rows else None,
            "reported_last": rows[-1].reported_at if rows else None,
            "top": top,
            "chart": _timeline(persona, rows),
        },
    )
