"""Pictures of a campaign: a graph of who wrote to whom with what, and a timeline.

Both are server-side SVG built with the project's element builder
(:mod:`lurewatch.charts`), which escapes every attribute value and text node:
names, companies, handles and templates here were written by the adversary.
Nothing is styled inline (the pages' Content-Security-Policy forbids it): only
presentation attributes and classes. The same data gives the same bytes.

**The graph** has three columns, left to right: shared artefacts | personas |
staff approached. Shapes tell the kinds apart without colour: an artefact is a
diamond with a letter for its kind (T template, P photo, H handle, # phone,
@ e-mail, D domain, O organisation), a persona a rounded box with its name, a
member of staff a circle labelled by what the caller gives (a team or a
pseudonym, never taken from the records). Solid lines: a persona wrote to a
member of staff (thicker for more approaches); dashed lines: a persona used an
artefact. A legend says all of this. Each column shows at most
``max_per_column`` nodes (the most connected), with "+N more" below; the table
(:func:`campaign_graph_table`) always lists everything. Columns are ordered to
reduce crossings by the barycentre heuristic: a few sweeps that place each node
at the mean position of its neighbours, ties kept in their previous order.

Each node is a link (``href(node)``, when the caller gives one and it is a
relative or http(s) address) or else focusable with ``tabindex``, and has a
``<title>``. The root has ``role="group"`` named by its ``<title>`` and
``<desc>``, not ``role="img"``: an image's children are presentational, which
would hide the node links from screen readers.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .artefacts import Anatomy, Artefact, CampaignPersona, anatomy, as_utc_naive
from .linking import DEFAULT, LinkParams
from .model import ApproachRecord, Campaign, Linking

if TYPE_CHECKING:
    from lurewatch.charts import El, Svg

# The letter drawn in an artefact's diamond, and the word for its kind.
KIND_LETTER = {
    "template": "T",
    "photo": "P",
    "handle": "H",
    "phone": "#",
    "email": "@",
    "domain": "D",
    "organisation": "O",
}
KIND_NAME = {
    "template": "Message template",
    "photo": "Photo",
    "handle": "Handle",
    "phone": "Phone",
    "email": "E-mail",
    "domain": "Domain",
    "organisation": "Organisation",
}
_MESSENGER_NAME = {
    "wechat": "WeChat",
    "whatsapp": "WhatsApp",
    "telegram": "Telegram",
    "signal": "Signal",
}
MAX_PER_COLUMN = 40

# Geometry (SVG user units) and colours; every colour is backed by a shape or a dash.
_W = 920
_ART_X, _PERSONA_X0, _PERSONA_X1, _TARGET_X = 262, 372, 572, 652
_TOP, _ROW = 56, 28
_TEXT = "#1b1b1b"
_MUTED = "#5a5a5a"
_PERSONA = ("#fbe3e6", "#a3001b")  # fill, stroke
_TARGET = ("#e3ecf7", "#1f4e8c")
_ARTEFACT = ("#fff4d6", "#8a6d00")
_WROTE = "#1f4e8c"
_USES = "#8a6d00"
_FONT = "system-ui, sans-serif"
_IGNORED = re.compile(r"[\x00-\x20\x7f]+")
_SCHEME = re.compile(r"[a-z][a-z0-9+.\-]*:")


@dataclass(frozen=True, slots=True)
class GraphNode:
    """One node: ``kind`` is ``persona``, ``target`` or an artefact kind; ``key`` is the
    persona key, the caller's target key or the artefact key; ``label`` is shown."""

    kind: str
    key: str
    label: str
    records: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class GraphRow:
    """One persona in the table that goes with the graph (plain text; escape on output)."""

    persona: str
    also_written: tuple[str, ...]
    organisations: tuple[str, ...]
    approaches: int
    first: dt.date
    last: dt.date
    staff: tuple[str, ...]  # the caller's labels of the members of staff it wrote to
    artefacts: tuple[str, ...]  # labels of the shared artefacts it used


NodeHref = Callable[[GraphNode], "str | None"]


def safe_href(url: str | None) -> str | None:
    """``url`` if it is relative or http(s), else None (no ``javascript:``, ``data:``...).

    Browsers drop whitespace and control characters inside a scheme ("java\tscript:"),
    so they are dropped here too before the scheme is read.
    """
    if not url:
        return None
    compact = _IGNORED.sub("", url).casefold()
    scheme = _SCHEME.match(compact)
    if scheme is not None and scheme.group() not in ("http:", "https:"):
        return None
    return url


def persona_label(p: CampaignPersona) -> str:
    if p.name:
        return p.name
    return f"Unnamed persona {p.key.removeprefix('persona-')}"


def artefact_label(a: Artefact) -> str:
    """What a reader sees for an artefact: its kind and value (a template's first words)."""
    if a.kind == "template":
        words = a.value.split()
        value = " ".join(words[:8]) + (" …" if len(words) > 8 else "")
        return f"Template: “{value}”"
    if a.kind == "handle" and a.messenger:
        return f"{_MESSENGER_NAME[a.messenger]}: {a.value}"
    return f"{KIND_NAME[a.kind]}: {a.value}"


def _short(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _plural(n: int, noun: str, nouns: str = "") -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {nouns or noun + 's'}"


# --- table ----------------------------------------------------------------------------


def campaign_graph_table(
    campaign: Campaign,
    records: Iterable[ApproachRecord],
    linking: Linking | None = None,
    *,
    target_label: Callable[[str], str],
    params: LinkParams = DEFAULT,
) -> tuple[GraphRow, ...]:
    """The graph as rows, one per persona (every persona, none capped): the text
    alternative for screen readers and for anyone who prefers a table."""
    return graph_table(anatomy(campaign, records, linking, params=params), target_label)


def graph_table(an: Anatomy, target_label: Callable[[str], str]) -> tuple[GraphRow, ...]:
    rows = []
    for p in an.personas:
        rows.append(
            GraphRow(
                persona=persona_label(p),
                also_written=p.names[1:],
                organisations=p.companies,
                approaches=len(p.records),
                first=p.first.date(),
                last=p.last.date(),
                staff=tuple(target_label(t) for t in p.targets),
                artefacts=tuple(artefact_label(a) for a in an.artefacts if p.key in a.personas),
            )
        )
    return tuple(rows)


# --- graph ----------------------------------------------------------------------------


def campaign_graph_svg(
    campaign: Campaign,
    records: Iterable[ApproachRecord],
    linking: Linking | None = None,
    *,
    target_label: Callable[[str], str],
    href: NodeHref | None = None,
    chart_id: str = "campaign-graph",
    max_per_column: int = MAX_PER_COLUMN,
    params: LinkParams = DEFAULT,
) -> Svg:
    """The campaign graph (see the module docstring). ``target_label(key)`` names a member
    of staff as the page may show them; ``href(node)`` gives each node's address."""
    an = anatomy(campaign, records, linking, params=params)
    return graph_svg(
        an,
        target_label=target_label,
        href=href,
        chart_id=chart_id,
        max_per_column=max_per_column,
    )


@dataclass
class _Column:
    nodes: list[GraphNode]
    hidden: int


def _top(nodes: list[GraphNode], limit: int) -> _Column:
    """The ``limit`` most connected nodes, in their original order."""
    if len(nodes) <= limit:
        return _Column(list(nodes), 0)
    ranked = sorted(range(len(nodes)), key=lambda i: (-len(nodes[i].records), i))[:limit]
    return _Column([nodes[i] for i in sorted(ranked)], len(nodes) - limit)


def _barycentre(
    arts: list[GraphNode],
    personas: list[GraphNode],
    targets: list[GraphNode],
    uses: set[tuple[str, str]],
    wrote: dict[tuple[str, str], int],
    sweeps: int = 4,
) -> tuple[list[GraphNode], list[GraphNode], list[GraphNode]]:
    """Reorder the columns so that lines cross less (deterministic)."""

    def pos(column: list[GraphNode]) -> dict[str, float]:
        n = max(1, len(column) - 1)
        return {node.key: i / n for i, node in enumerate(column)}

    def order(
        column: list[GraphNode], neighbours: Mapping[str, list[str]], *where: dict[str, float]
    ) -> list[GraphNode]:
        here = pos(column)
        keyed = []
        for node in column:
            around = [p[k] for k in neighbours.get(node.key, ()) for p in where if k in p]
            centre = sum(around) / len(around) if around else here[node.key]
            keyed.append((centre, here[node.key], node))
        return [node for _, _, node in sorted(keyed, key=lambda k: (k[0], k[1]))]

    by_art: dict[str, list[str]] = {}
    by_target: dict[str, list[str]] = {}
    by_persona: dict[str, list[str]] = {}  # artefact and target keys never collide
    for a, p in sorted(uses):
        by_art.setdefault(a, []).append(p)
        by_persona.setdefault(p, []).append(a)
    for p, t in sorted(wrote):
        by_target.setdefault(t, []).append(p)
        by_persona.setdefault(p, []).append(t)
    for _ in range(sweeps):
        pp = pos(personas)
        arts = order(arts, by_art, pp)
        targets = order(targets, by_target, pp)
        personas = order(personas, by_persona, pos(arts), pos(targets))
    return arts, personas, targets


def graph_svg(
    an: Anatomy,
    *,
    target_label: Callable[[str], str],
    href: NodeHref | None = None,
    chart_id: str = "campaign-graph",
    max_per_column: int = MAX_PER_COLUMN,
) -> Svg:
    """:func:`campaign_graph_svg` for a campaign already taken apart."""
    from lurewatch.charts import Svg, el

    if max_per_column < 1:
        raise ValueError("max_per_column must be at least 1")
    persona_nodes = [GraphNode("persona", p.key, persona_label(p), p.records) for p in an.personas]
    by_target: dict[str, list[str]] = {}
    for r in an.records:
        by_target.setdefault(r.target, []).append(r.id)
    target_nodes = [
        GraphNode("target", t, target_label(t), tuple(by_target[t])) for t in an.targets
    ]
    art_nodes = [GraphNode(a.kind, a.key, artefact_label(a), a.records) for a in an.artefacts]
    arts_col = _top(art_nodes, max_per_column)
    personas_col = _top(persona_nodes, max_per_column)
    targets_col = _top(target_nodes, max_per_column)

    persona_of = {rid: p.key for p in an.personas for rid in p.records}
    wrote: dict[tuple[str, str], int] = {}
    for r in an.records:
        k = (persona_of[r.id], r.target)
        wrote[k] = wrote.get(k, 0) + 1
    uses = {(a.key, p) for a in an.artefacts for p in a.personas}
    shown = {n.key for col in (arts_col, personas_col, targets_col) for n in col.nodes}
    wrote = {k: v for k, v in wrote.items() if k[0] in shown and k[1] in shown}
    uses = {k for k in uses if k[0] in shown and k[1] in shown}
    arts, personas, targets = _barycentre(
        arts_col.nodes, personas_col.nodes, targets_col.nodes, uses, wrote
    )

    rows = max(
        len(arts) + bool(arts_col.hidden),
        len(personas) + bool(personas_col.hidden),
        len(targets) + bool(targets_col.hidden),
        1,
    )
    legend_y = _TOP + rows * _ROW + 16
    height = legend_y + 64

    def ys(column: list[GraphNode], hidden: int) -> dict[str, float]:
        n = len(column) + bool(hidden)
        offset = _TOP + (rows - n) * _ROW / 2 + _ROW / 2
        return {node.key: offset + i * _ROW for i, node in enumerate(column)}

    ya, yp, yt = (
        ys(arts, arts_col.hidden),
        ys(personas, personas_col.hidden),
        ys(targets, targets_col.hidden),
    )
    body: list[El] = []
    for x, anchor, heading in (
        (_ART_X, "end", "Shared artefacts"),
        ((_PERSONA_X0 + _PERSONA_X1) / 2, "middle", "Personas"),
        (_TARGET_X, "start", "Staff approached"),
    ):
        body.append(
            el(
                "text",
                heading,
                x=x,
                y=28,
                font_size=13,
                font_weight="bold",
                fill=_TEXT,
                text_anchor=anchor,
                class_="column-heading",
            )
        )

    edges: list[El] = []
    for a_key, p_key in sorted(uses):
        edges.append(
            el(
                "line",
                el("title", f"{_label(personas, p_key)} used {_label(arts, a_key)}"),
                x1=_ART_X + 9,
                y1=ya[a_key],
                x2=_PERSONA_X0,
                y2=yp[p_key],
                stroke=_USES,
                stroke_width=1.5,
                stroke_dasharray="5 3",
                class_="edge edge-uses",
            )
        )
    for (p_key, t_key), count in sorted(wrote.items()):
        edges.append(
            el(
                "line",
                el(
                    "title",
                    f"{_label(personas, p_key)} wrote to {_label(targets, t_key)}: "
                    f"{_plural(count, 'approach', 'approaches')}",
                ),
                x1=_PERSONA_X1,
                y1=yp[p_key],
                x2=_TARGET_X - 8,
                y2=yt[t_key],
                stroke=_WROTE,
                stroke_width=1 + min(count, 5) * 0.6,
                class_="edge edge-wrote",
            )
        )
    body.append(el("g", *edges, class_="edges"))

    def node(n: GraphNode, title: str, *shapes: El) -> El:
        url = safe_href(href(n)) if href is not None else None
        cls = f"node node-{'artefact node-' if n.kind not in ('persona', 'target') else ''}{n.kind}"
        if url is not None:
            return el("a", el("title", title), *shapes, href=url, tabindex=0, class_=cls)
        return el("g", el("title", title), *shapes, tabindex=0, class_=cls)

    art_by_key = {a.key: a for a in an.artefacts}
    for n in arts:
        a = art_by_key[n.key]
        y = ya[n.key]
        title = (
            f"{n.label} (shared by {_plural(len(a.records), 'approach', 'approaches')} from "
            f"{_plural(len(a.personas), 'persona')})"
        )
        body.append(
            node(
                n,
                title,
                el(
                    "polygon",
                    points=_diamond(_ART_X, y, 9),
                    fill=_ARTEFACT[0],
                    stroke=_ARTEFACT[1],
                    stroke_width=1.5,
                ),
                el(
                    "text",
                    KIND_LETTER[a.kind],
                    x=_ART_X,
                    y=y + 4,
                    font_size=10,
                    font_weight="bold",
                    fill=_TEXT,
                    text_anchor="middle",
                ),
                el(
                    "text",
                    _short(n.label, 34),
                    x=_ART_X - 14,
                    y=y + 4,
                    font_size=12,
                    fill=_TEXT,
                    text_anchor="end",
                ),
            )
        )
    persona_by_key = {p.key: p for p in an.personas}
    for n in personas:
        p = persona_by_key[n.key]
        y = yp[n.key]
        title = f"Persona {n.label}"
        if p.company:
            title += f" ({p.company})"
        title += (
            f": {_plural(len(p.records), 'approach', 'approaches')} to "
            f"{_plural(len(p.targets), 'member')} of staff"
        )
        if len(p.names) > 1:
            title += "; also written " + ", ".join(p.names[1:])
        body.append(
            node(
                n,
                title,
                el(
                    "rect",
                    x=_PERSONA_X0,
                    y=y - 10,
                    width=_PERSONA_X1 - _PERSONA_X0,
                    height=20,
                    rx=10,
                    fill=_PERSONA[0],
                    stroke=_PERSONA[1],
                    stroke_width=1.5,
                ),
                el(
                    "text",
                    _short(n.label, 28),
                    x=(_PERSONA_X0 + _PERSONA_X1) / 2,
                    y=y + 4,
                    font_size=12,
                    fill=_TEXT,
                    text_anchor="middle",
                ),
            )
        )
    for n in targets:
        y = yt[n.key]
        title = f"{n.label}: approached {_plural(len(n.records), 'time')}"
        body.append(
            node(
                n,
                title,
                el(
                    "circle",
                    cx=_TARGET_X,
                    cy=y,
                    r=8,
                    fill=_TARGET[0],
                    stroke=_TARGET[1],
                    stroke_width=1.5,
                ),
                el(
                    "text", _short(n.label, 36), x=_TARGET_X + 14, y=y + 4, font_size=12, fill=_TEXT
                ),
            )
        )
    for column, hidden, x, anchor in (
        (arts, arts_col.hidden, _ART_X, "end"),
        (personas, personas_col.hidden, (_PERSONA_X0 + _PERSONA_X1) / 2, "middle"),
        (targets, targets_col.hidden, _TARGET_X, "start"),
    ):
        if hidden:
            y = _TOP + (rows - len(column) - 1) * _ROW / 2 + _ROW / 2 + len(column) * _ROW
            body.append(
                el(
                    "text",
                    f"+{hidden} more (see the table)",
                    x=x,
                    y=y + 4,
                    font_size=12,
                    font_style="italic",
                    fill=_MUTED,
                    text_anchor=anchor,
                    class_="more",
                )
            )
    body.append(_legend(legend_y))

    name = an.campaign.name or an.campaign.id
    title = f"Campaign graph: {name}"
    desc = (
        f"{_plural(len(an.artefacts), 'shared artefact')}, "
        f"{_plural(len(an.personas), 'persona')} and "
        f"{_plural(len(an.targets), 'member')} of staff approached, "
        f"{_plural(len(an.records), 'approach', 'approaches')} from "
        f"{an.first.date().isoformat()} to {an.last.date().isoformat()}. "
        "Diamonds are shared artefacts, rounded boxes personas, circles members of staff; "
        "solid lines mean wrote to, dashed lines mean used. "
        "The same information is in the table that follows."
    )
    root = el(
        "svg",
        el("title", title, id=f"{chart_id}-title"),
        el("desc", desc, id=f"{chart_id}-desc"),
        *body,
        xmlns="http://www.w3.org/2000/svg",
        viewBox=f"0 0 {_W} {height}",
        width=_W,
        height=height,
        role="group",
        aria_labelledby=f"{chart_id}-title {chart_id}-desc",
        class_="chart campaign-graph",
        font_family=_FONT,
    )
    return Svg(root.render())


def _label(column: Sequence[GraphNode], key: str) -> str:
    return next(n.label for n in column if n.key == key)


def _diamond(x: float, y: float, r: float) -> str:
    return f"{x},{y - r} {x + r},{y} {x},{y + r} {x - r},{y}"


def _legend(y: float) -> El:
    from lurewatch.charts import el

    items: list[El] = [
        el("polygon", points=_diamond(20, y, 7), fill=_ARTEFACT[0], stroke=_ARTEFACT[1]),
        el("text", "shared artefact", x=32, y=y + 4, font_size=12, fill=_TEXT),
        el("rect", x=150, y=y - 7, width=28, height=14, rx=7, fill=_PERSONA[0], stroke=_PERSONA[1]),
        el("text", "persona", x=184, y=y + 4, font_size=12, fill=_TEXT),
        el("circle", cx=260, cy=y, r=7, fill=_TARGET[0], stroke=_TARGET[1]),
        el("text", "member of staff", x=272, y=y + 4, font_size=12, fill=_TEXT),
        el("line", x1=400, y1=y, x2=430, y2=y, stroke=_WROTE, stroke_width=2),
        el("text", "wrote to", x=436, y=y + 4, font_size=12, fill=_TEXT),
        el(
            "line",
            x1=510,
            y1=y,
            x2=540,
            y2=y,
            stroke=_USES,
            stroke_width=1.5,
            stroke_dasharray="5 3",
        ),
        el("text", "used", x=546, y=y + 4, font_size=12, fill=_TEXT),
        el(
            "text",
            "Letters: "
            + ", ".join(f"{KIND_LETTER[k]} {KIND_NAME[k].lower()}" for k in KIND_LETTER),
            x=12,
            y=y + 28,
            font_size=12,
            fill=_MUTED,
        ),
    ]
    return el("g", *items, class_="legend")


# --- timeline -------------------------------------------------------------------------


def campaign_timeline_svg(
    campaign: Campaign,
    records: Iterable[ApproachRecord],
    *,
    target_label: Callable[[str], str],
    levels: Mapping[str, str],
    href: Callable[[ApproachRecord], str | None] | None = None,
    chart_id: str = "campaign-timeline",
) -> Svg:
    """The campaign's approaches over time, one row per member of staff (labelled by
    ``target_label``), each mark coloured and lettered by its rating (``levels``: record
    id -> ``high``/``medium``/``low``; every member needs one). Drawn by
    :func:`lurewatch.charts.timeline`, so it looks like every other timeline."""
    from lurewatch.charts import Mark, day_label, timeline

    wanted = set(campaign.members)
    recs = sorted(
        (r for r in records if r.id in wanted), key=lambda r: (as_utc_naive(r.when), r.id)
    )
    missing = sorted(wanted - {r.id for r in recs})
    if missing:
        raise ValueError(f"{campaign.id}: no record for member(s) {', '.join(missing[:5])}")
    unrated = [r.id for r in recs if r.id not in levels]
    if unrated:
        raise ValueError(f"{campaign.id}: no rating for record(s) {', '.join(unrated[:5])}")
    marks = []
    for r in recs:
        at = as_utc_naive(r.when)
        level = str(levels[r.id])
        who = " ".join(r.name.split()) or "an unnamed persona"
        marks.append(
            Mark(
                at=at,
                lane=target_label(r.target),
                level=level,
                label=f"{day_label(at.date(), year=True)}: {who}, rated {level}",
                href=safe_href(href(r)) if href is not None else None,
            )
        )
    name = campaign.name or campaign.id
    return timeline(
        chart_id=chart_id,
        title=f"Campaign timeline: {name}",
        marks=marks,
        empty="No approaches in this campaign.",
    )
