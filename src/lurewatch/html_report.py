"""A scan as one self-contained HTML page that a member of staff can open and print.

Everything in a scan that came from the export (names, addresses, excerpts,
evidence, subjects, even file names) was written by whoever approached the
owner, so the page is built as if every one of those strings were an attack:

- Jinja2 escapes every value (``autoescape=True``); the template never marks
  a value safe, and adversary text only ever lands in element content or in
  quoted attributes escaped by Jinja2.
- No value is ever turned into a link: profile addresses are shown as text.
- The page has no JavaScript at all, and a Content-Security-Policy that forbids
  scripts and any fetch, so a mistake in escaping still runs nothing and
  calls nowhere.
- Control and direction-override characters are made visible, as on the
  terminal, so they cannot disguise words.

The page is a pure function of the scan: no clock, no randomness, so the same
scan always gives the same bytes.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING

from lurewatch.model import Evidence, Finding, Level
from lurewatch.render import display_safe
from lurewatch.scan import ScanContact, ScanItem, ScanResult

if TYPE_CHECKING:  # Jinja2 is imported only when a page is made
    from jinja2 import Template

TEMPLATE = "scan_report.html"  # in lurewatch/templates; it holds the CSP meta tag literally
LEVELS = (Level.HIGH, Level.MEDIUM, Level.LOW)
# A cut-off quote still gets highlighted when at least this much of it ends the excerpt.
_MIN_PARTIAL = 8
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_GENERAL_ADVICE = (
    "Start with the people rated high, then medium. Each one has their own advice below.",
    "Until you have reported them, do not reply to them, accept their invitations, open "
    "their files or follow their links.",
    "Keep the messages: do not delete them or block the senders before reporting.",
    "Check who someone really is through a channel you find yourself (the organisation's "
    "own website or switchboard), never one they give you.",
    "If you have already replied or sent something, say so when you report. You are not in "
    "trouble for reporting it.",
)

# Timeline geometry (SVG user units); the SVG scales to the page width.
_TL_WIDTH = 640
_TL_PAD = 24
_TL_LANE = 13
_TL_MAX_LANES = 4


@dataclass(frozen=True, slots=True)
class Segment:
    text: str
    marked: bool


@dataclass(frozen=True, slots=True)
class Quote:
    text: str
    where: str
    anchor: str | None


@dataclass(frozen=True, slots=True)
class FindingView:
    title: str
    weight: str
    quotes: tuple[Quote, ...]


@dataclass(frozen=True, slots=True)
class ItemView:
    number: int
    anchor: str
    kind: str
    date: str
    iso: str
    subject: tuple[Segment, ...]
    excerpt: tuple[Segment, ...]
    flagged: bool
    unshown: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Dot:
    x: str
    y: str
    flagged: bool
    label: str


@dataclass(frozen=True, slots=True)
class Timeline:
    height: int
    axis_y: int
    x0: int
    x1: int
    start: str
    end: str  # empty when every dated item has the same time
    dots: tuple[Dot, ...]
    undated: int


@dataclass(frozen=True, slots=True)
class ContactView:
    rank: int
    anchor: str
    level: str
    score: int
    name: str
    role: str
    profile_url: str | None
    connected_on: str | None
    first_contact: str | None
    last_contact: str | None
    item_count: int
    context: tuple[str, ...]
    advice: tuple[str, ...]
    findings: tuple[FindingView, ...]
    top_reason: str
    items: tuple[ItemView, ...]
    flagged_items: int
    timeline: Timeline | None


@dataclass(frozen=True, slots=True)
class LinkedView:
    """People who wrote to the owner and share something (a handle, a message template, a
    firm): the campaign graph of them, and why they are linked."""

    names: tuple[str, ...]
    graph: object  # lurewatch.charts.Svg: escaped when built, printed as markup
    reasons: tuple[tuple[str, str], ...]  # (reason, what agreed)


def _linked(contacts: Sequence[ScanContact]) -> tuple[LinkedView, ...]:
    """Groups of the people in this export whom the campaign linker joins (two or more)."""
    if len(contacts) < 2:
        return ()
    from lurewatch.campaigns import ApproachRecord, campaign_graph_svg, link

    records = [
        ApproachRecord(
            id=str(rank),
            target="you",
            when=_parse_date(c.first_contact) or dt.datetime(1970, 1, 1, tzinfo=dt.UTC),
            name=c.name,
            company=c.company,
            profile_url=c.profile_url or "",
            text="\n".join(i.excerpt for i in c.items),
        )
        for rank, c in enumerate(contacts, start=1)
    ]
    linking = link(records)
    views = []
    for n, campaign in enumerate(linking.campaigns, start=1):
        if len(campaign.members) < 2:
            continue
        graph = campaign_graph_svg(
            campaign,
            records,
            linking,
            target_label=lambda _key: "you",
            href=lambda node: f"#person-{node.records[0]}" if node.kind == "persona" else None,
            chart_id=f"linked-{n}",
        )
        views.append(
            LinkedView(
                names=tuple(contacts[int(m) - 1].name for m in campaign.members),
                graph=graph,
                reasons=tuple((lk.reason, lk.detail) for lk in campaign.links),
            )
        )
    return tuple(views)


def scan_html(result: ScanResult) -> str:
    """The scan as a complete, self-contained HTML5 page (no script, no external fetch)."""
    s = result.summary
    contacts = tuple(_contact_view(i, c) for i, c in enumerate(result.contacts, start=1))
    files = tuple(
        (str(f.get("name", "")), str(f.get("rows", "")), str(f.get("encoding", "")))
        for f in s.files
    )
    return _template().render(
        source=s.source,
        owner=s.owner,
        messages=s.messages,
        invitations=s.invitations,
        incoming_messages=s.incoming_messages,
        incoming_invitations=s.incoming_invitations,
        counterparties=s.counterparties,
        connections=s.contacts,
        counts=[(lv.value, s.by_level.get(lv.value, 0)) for lv in LEVELS],
        shown=len(contacts),
        general_advice=_GENERAL_ADVICE,
        contacts=contacts,
        linked=_linked(result.contacts),
        files=files,
        skipped=s.skipped,
    )


# --- text helpers -----------------------------------------------------------------


def _flat(text: str) -> str:
    return " ".join(text.split())


def _safe_text(value: object) -> object:
    """Every string printed by the template: visible controls, always encodable.

    Markup built by lurewatch (``__html__``: the campaign graph, escaped as it was
    built) passes as it is."""
    if not isinstance(value, str) or hasattr(value, "__html__"):
        return value
    text = display_safe(value)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates from a badly decoded file
        text = text.encode("utf-8", "backslashreplace").decode("utf-8")
    return text


def _counted(n: int, noun: str, plural: str = "") -> str:
    """``1 invitation``, ``2 invitations``; ``plural`` for irregular nouns."""
    return f"{n} {noun if n == 1 else plural or noun + 's'}"


def _parse_date(value: str | None) -> dt.datetime | None:
    if not value:
        return None
    try:
        d = dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    return d if d.tzinfo else d.replace(tzinfo=dt.UTC)


def _show_date(value: str | None, *, time: bool = True) -> str:
    """``2026-11-21T09:00:00+00:00`` as ``21 Nov 2026, 09:00``; anything else as given."""
    if not value:
        return "unknown"
    d = _parse_date(value)
    if d is None:
        return value
    day = f"{d.day} {_MONTHS[d.month - 1]} {d.year}"
    if not time or "T" not in value:
        return day
    return f"{day}, {d.hour:02d}:{d.minute:02d}"


def _needle_spans(text: str, needle: str) -> list[tuple[int, int]]:
    """Where ``needle`` occurs in ``text``; a needle cut off by the excerpt's "…" counts."""
    found = [(m.start(), m.end()) for m in re.finditer(re.escape(needle), text, re.IGNORECASE)]
    if not found and text.endswith("…"):
        body = text[:-1]
        for k in range(len(needle) - 1, _MIN_PARTIAL - 1, -1):
            tail = re.search(re.escape(needle[:k]) + r"\Z", body, re.IGNORECASE)
            if tail:
                return [(tail.start(), tail.end())]
    return found


def mark_segments(text: str, needles: Iterable[str]) -> tuple[Segment, ...]:
    """``text`` cut into plain and marked runs, marking every occurrence of each needle.

    Needles are matched whitespace-collapsed and case-insensitively. A needle
    that runs past a cut-off excerpt (ending in "…") is marked as far as it goes.
    """
    spans = [
        span
        for needle in dict.fromkeys(_flat(n) for n in needles)
        if needle
        for span in _needle_spans(text, needle)
    ]
    merged: list[list[int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    out: list[Segment] = []
    pos = 0
    for start, end in merged:
        if start > pos:
            out.append(Segment(text[pos:start], False))
        out.append(Segment(text[start:end], True))
        pos = end
    if pos < len(text) or not out:
        out.append(Segment(text[pos:], False))
    return tuple(out)


# --- view model -------------------------------------------------------------------


def _evidence_by_item(findings: Sequence[Finding]) -> dict[int, list[Evidence]]:
    by_item: dict[int, list[Evidence]] = {}
    for f in findings:
        for e in f.evidence:
            if e.item >= 0:
                by_item.setdefault(e.item, []).append(e)
    return by_item


def _item_views(anchor: str, c: ScanContact) -> tuple[ItemView, ...]:
    by_item = _evidence_by_item(c.findings)
    out = []
    for i, it in enumerate(c.items):
        evs = by_item.get(i, [])
        excerpt = mark_segments(it.excerpt, (e.text for e in evs if e.field != "subject"))
        subject = mark_segments(it.subject, (e.text for e in evs if e.field == "subject"))
        unshown = tuple(
            dict.fromkeys(
                needle
                for e in evs
                if (needle := _flat(e.text))
                and not _needle_spans(it.subject if e.field == "subject" else it.excerpt, needle)
            )
        )
        out.append(
            ItemView(
                number=i + 1,
                anchor=f"{anchor}-item-{i + 1}",
                kind=it.kind.capitalize() or "Item",
                date=_show_date(it.date),
                iso=it.date or "",
                subject=subject if it.subject else (),
                excerpt=excerpt,
                flagged=bool(evs),
                unshown=unshown,
            )
        )
    return tuple(out)


def _where(anchor: str, e: Evidence, items: Sequence[ScanItem]) -> tuple[str, str | None]:
    if e.item < 0:
        field = e.field.removeprefix("profile.")
        return f"their profile ({field})", None
    if e.item >= len(items):
        return f"item {e.item + 1} (not listed below)", None
    it = items[e.item]
    part = " subject" if e.field == "subject" else ""
    if e.field not in ("text", "subject"):
        part = f" {e.field}"
    return (
        f"{it.kind} {e.item + 1}{part}, {_show_date(it.date, time=False)}",
        f"{anchor}-item-{e.item + 1}",
    )


def _finding_views(anchor: str, c: ScanContact) -> tuple[FindingView, ...]:
    out = []
    for f in c.findings:
        quotes = []
        for e in f.evidence:
            where, link = _where(anchor, e, c.items)
            quotes.append(Quote(_flat(e.text), where, link))
        out.append(FindingView(f.title, f"{f.weight:+.1f}", tuple(quotes)))
    return tuple(out)


def _lanes(xs: Sequence[float], gap: float) -> list[int]:
    """A lane per dot so that dots closer than ``gap`` stack instead of hiding each other."""
    last: list[float] = []
    lanes = []
    for x in xs:
        for lane, lx in enumerate(last):
            if x - lx >= gap:
                last[lane] = x
                lanes.append(lane)
                break
        else:
            if len(last) < _TL_MAX_LANES:
                last.append(x)
                lanes.append(len(last) - 1)
            else:
                lanes.append(_TL_MAX_LANES - 1)
    return lanes


def _timeline(items: Sequence[ItemView], contact: ScanContact) -> Timeline | None:
    dated = [
        (d, v) for v, it in zip(items, contact.items, strict=True) if (d := _parse_date(it.date))
    ]
    if not dated:
        return None
    dated.sort(key=lambda dv: (dv[0], dv[1].number))
    first, last = dated[0][0], dated[-1][0]
    span = (last - first).total_seconds()
    x0, x1 = _TL_PAD, _TL_WIDTH - _TL_PAD
    xs = [
        (x0 + x1) / 2 if span <= 0 else x0 + (x1 - x0) * (d - first).total_seconds() / span
        for d, _ in dated
    ]
    lanes = _lanes(xs, gap=12)
    n_lanes = max(lanes) + 1
    axis_y = 14 + n_lanes * _TL_LANE
    dots = []
    for x, lane, (_, v) in zip(xs, lanes, dated, strict=True):
        why = "with reasons" if v.flagged else "no reasons"
        dots.append(
            Dot(
                x=f"{x:.1f}",
                y=f"{axis_y - 10 - lane * _TL_LANE:.1f}",
                flagged=v.flagged,
                label=f"{v.kind} {v.number}, {v.date}: {why}",
            )
        )
    start = _show_date(first.isoformat(), time=False)
    end = _show_date(last.isoformat(), time=False)
    if start == end:  # one day: the times tell the items apart
        start, end = _show_date(first.isoformat()), _show_date(last.isoformat())
    return Timeline(
        height=axis_y + 22,
        axis_y=axis_y,
        x0=x0,
        x1=x1,
        start=start,
        end="" if span <= 0 else end,
        dots=tuple(dots),
        undated=len(items) - len(dated),
    )


def _contact_view(rank: int, c: ScanContact) -> ContactView:
    anchor = f"person-{rank}"
    items = _item_views(anchor, c)
    findings = _finding_views(anchor, c)
    role = " at ".join(x for x in (c.position, c.company) if x)
    worth_a_look = c.level is not Level.LOW
    return ContactView(
        rank=rank,
        anchor=anchor,
        level=c.level.value,
        score=c.score,
        name=c.name or "(no name)",
        role=role,
        profile_url=c.profile_url,
        connected_on=_show_date(c.connected_on, time=False) if c.connected_on else None,
        first_contact=_show_date(c.first_contact) if c.first_contact else None,
        last_contact=_show_date(c.last_contact) if c.last_contact else None,
        item_count=max(c.item_count, len(c.items)),
        context=c.context,
        advice=c.advice,
        findings=findings,
        top_reason=c.findings[0].title if c.findings else "",
        items=items,
        flagged_items=sum(v.flagged for v in items),
        timeline=_timeline(items, c) if worth_a_look else None,
    )


@cache
def _template() -> Template:
    from jinja2 import Environment, StrictUndefined

    env = Environment(
        autoescape=True,
        undefined=StrictUndefined,
        # Only the report's own words are ever put in plural; values stay as written.
        finalize=_safe_text,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["counted"] = _counted
    page = resources.files("lurewatch").joinpath("templates", TEMPLATE).read_text("utf-8")
    return env.from_string(page)
