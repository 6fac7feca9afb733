"""Charts as server-side SVG: pure functions from numbers and labels to markup.

The pages have no JavaScript, so charts are drawn here. Labels may be
adversary text (a persona's name in a title), so markup is never written by
string formatting: :func:`el` builds every element, escaping each attribute
value and each text node (after making control and direction-override
characters visible, as everywhere else). What comes out is an :class:`Svg`,
which Jinja2 inserts as markup through ``__html__`` without any template
marking a value safe.

Every chart is sized by its ``viewBox`` (it scales to the page), has
``role="img"`` and a ``<title>``/``<desc>`` named by ``aria-labelledby``, a
``<title>`` on each mark, and colours backed by text (a legend, a letter on
each timeline mark). Pages also show the same numbers as a ``<table>``.
The output depends only on the arguments: the same data gives the same bytes.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import escape

from lurewatch.render import display_safe

# Level colours (the stylesheet's --high/--medium/--low) and the letter drawn on a mark.
LEVEL_FILL = {"high": "#a3001b", "medium": "#f2c200", "low": "#1d6a33"}
LEVEL_INK = {"high": "#ffffff", "medium": "#1b1b1b", "low": "#ffffff"}
LEVEL_LETTER = {"high": "H", "medium": "M", "low": "L"}
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_NAME = re.compile(r"[A-Za-z][A-Za-z0-9-]*")
_AXIS = "#5a5a5a"
_TEXT = "#3a3a3a"
_FONT = "system-ui, sans-serif"


# --- markup ----------------------------------------------------------------------------


class Svg:
    """SVG markup made by this module, every text node and attribute value escaped."""

    __slots__ = ("markup",)

    def __init__(self, markup: str) -> None:
        self.markup = markup

    def __html__(self) -> str:
        return self.markup

    def __str__(self) -> str:
        return self.markup

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Svg) and other.markup == self.markup

    def __hash__(self) -> int:
        return hash(self.markup)


def _text(value: str) -> str:
    return str(escape(display_safe(value)))


def _value(value: str | int | float) -> str:
    if isinstance(value, float):
        value = f"{value:.1f}".removesuffix(".0")
    return _text(str(value))


class El:
    """One element; children are elements or text (escaped when rendered)."""

    __slots__ = ("attrs", "children", "tag")

    def __init__(
        self, tag: str, attrs: dict[str, str | int | float], children: Sequence[El | str]
    ) -> None:
        if not _NAME.fullmatch(tag):
            raise ValueError(f"element name {tag!r}")
        self.tag = tag
        self.attrs = attrs
        self.children = children

    def render(self) -> str:
        attrs = "".join(f' {name}="{_value(v)}"' for name, v in self.attrs.items())
        if not self.children:
            return f"<{self.tag}{attrs}/>"
        inner = "".join(c.render() if isinstance(c, El) else _text(c) for c in self.children)
        return f"<{self.tag}{attrs}>{inner}</{self.tag}>"


def el(tag: str, /, *children: El | str, **attrs: str | int | float) -> El:
    """An element: ``el("text", "Hi", x=3, text_anchor="end")`` (``_`` in names becomes ``-``;
    a trailing ``_`` is dropped, for ``class_``)."""
    named: dict[str, str | int | float] = {}
    for key, value in attrs.items():
        name = key.rstrip("_").replace("_", "-")
        if not _NAME.fullmatch(name):
            raise ValueError(f"attribute name {name!r}")
        named[name] = value
    return El(tag, named, children)


def _svg(chart_id: str, width: int, height: int, title: str, desc: str, *body: El) -> Svg:
    root = el(
        "svg",
        el("title", title, id=f"{chart_id}-title"),
        el("desc", desc, id=f"{chart_id}-desc"),
        *body,
        xmlns="http://www.w3.org/2000/svg",
        viewBox=f"0 0 {width} {height}",
        width=width,
        height=height,
        role="img",
        aria_labelledby=f"{chart_id}-title {chart_id}-desc",
        class_="chart",
        font_family=_FONT,
    )
    return Svg(root.render())


def _empty(chart_id: str, title: str, message: str) -> Svg:
    return _svg(
        chart_id,
        640,
        80,
        title,
        message,
        el("rect", x=1, y=1, width=638, height=78, fill="#f5f5f3", stroke="#d0d0d0"),
        el("text", message, x=320, y=46, font_size=16, fill=_TEXT, text_anchor="middle"),
    )


def day_label(day: dt.date, *, year: bool = False) -> str:
    """``9 Nov`` (``9 Nov 2026`` with ``year``)."""
    text = f"{day.day} {_MONTHS[day.month - 1]}"
    return f"{text} {day.year}" if year else text


# --- stacked bars ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Layer:
    """One part of every bar: its name in the legend and titles, and its fill colour."""

    name: str
    fill: str


@dataclass(frozen=True, slots=True)
class Bar:
    """One bar: its axis label, a longer label for titles, and a count per layer."""

    label: str
    counts: tuple[int, ...]
    long_label: str = ""


def nice_ceiling(value: int) -> tuple[int, int]:
    """The top of the value axis and the step between its ticks (at most about 5 ticks)."""
    if value <= 0:
        return 1, 1
    raw = value / 5
    magnitude = 10 ** math.floor(math.log10(raw)) if raw >= 1 else 1
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
    step = max(1, int(step))
    return step * math.ceil(value / step), step


# Geometry of the bar chart (SVG user units).
_BAR_W, _BAR_H = 640, 280
_LEFT, _RIGHT, _TOP, _BOTTOM = 44, 12, 40, 44


def stacked_bars(
    *,
    chart_id: str,
    title: str,
    layers: Sequence[Layer],
    bars: Sequence[Bar],
    unit: str = "report",
    empty: str = "No reports yet.",
) -> Svg:
    """A stacked bar chart: one bar per entry of ``bars``, its parts stacked in ``layers`` order
    from the axis up, with a value axis, a label under each bar (thinned when crowded), the
    total over each bar and a legend. Nothing to count gives a chart that says ``empty``."""
    for bar in bars:
        if len(bar.counts) != len(layers) or any(c < 0 for c in bar.counts):
            raise ValueError(f"bar {bar.label!r}: give {len(layers)} counts, none negative")
    biggest = max((sum(b.counts) for b in bars), default=0)
    if biggest == 0:
        return _empty(chart_id, title, empty)
    top, step = nice_ceiling(biggest)
    plot_h = _BAR_H - _TOP - _BOTTOM
    plot_w = _BAR_W - _LEFT - _RIGHT
    base = _TOP + plot_h
    slot = plot_w / len(bars)
    width = max(2.0, slot * 0.7)
    every = math.ceil(len(bars) / 13)  # at most 13 axis labels
    body: list[El] = []
    for tick in range(0, top + 1, step):
        y = base - plot_h * tick / top
        body.append(
            el("line", x1=_LEFT, y1=y, x2=_BAR_W - _RIGHT, y2=y, stroke="#d0d0d0", stroke_width=1)
        )
        body.append(
            el("text", str(tick), x=_LEFT - 6, y=y + 4, font_size=12, fill=_TEXT, text_anchor="end")
        )
    body.append(el("line", x1=_LEFT, y1=base, x2=_BAR_W - _RIGHT, y2=base, stroke=_AXIS))
    for i, bar in enumerate(bars):
        x = _LEFT + slot * i + (slot - width) / 2
        y = float(base)
        total = sum(bar.counts)
        name = bar.long_label or bar.label
        parts: list[El] = []
        for layer, count in zip(layers, bar.counts, strict=True):
            if count == 0:
                continue
            h = plot_h * count / top
            y -= h
            parts.append(
                el(
                    "rect",
                    el("title", f"{name}, {layer.name}: {count}"),
                    x=x,
                    y=y,
                    width=width,
                    height=h,
                    fill=layer.fill,
                    stroke="#ffffff",
                    stroke_width=0.5,
                    class_=f"bar-{_slug(layer.name)}",
                )
            )
        if total:
            parts.append(
                el(
                    "text",
                    str(total),
                    x=x + width / 2,
                    y=y - 4,
                    font_size=11,
                    fill=_TEXT,
                    text_anchor="middle",
                )
            )
        body.append(
            el(
                "g",
                el("title", f"{name}: {_counted(total, unit)}"),
                *parts,
                class_="bar",
                data_total=total,
            )
        )
        if i % every == 0:
            body.append(
                el(
                    "text",
                    bar.label,
                    x=x + width / 2,
                    y=base + 16,
                    font_size=11,
                    fill=_TEXT,
                    text_anchor="middle",
                )
            )
    body.append(_legend(layers, y=_BAR_H - 10))
    desc = (
        f"{_counted(len(bars), 'bar')}, {unit}s stacked by {', '.join(la.name for la in layers)}; "
    )
    desc += f"the largest is {biggest}. The same numbers are in the table that follows."
    return _svg(chart_id, _BAR_W, _BAR_H, title, desc, *body)


def _legend(layers: Sequence[Layer], *, y: int) -> El:
    items: list[El] = []
    x = _LEFT
    for layer in layers:
        items.append(el("rect", x=x, y=y - 10, width=12, height=12, fill=layer.fill))
        items.append(el("text", layer.name, x=x + 16, y=y, font_size=12, fill=_TEXT))
        x += 24 + 8 * len(layer.name)
    return el("g", *items, class_="legend")


def _counted(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.casefold()).strip("-") or "x"


# --- timeline --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Mark:
    """One observation on a timeline: when (and until when), in which lane, rated how."""

    at: dt.datetime
    lane: str
    level: str  # "high", "medium" or "low"
    label: str  # what the mark's title says
    until: dt.datetime | None = None
    href: str | None = None


_TL_W = 720
_TL_LEFT, _TL_RIGHT = 200, 20
_TL_TOP, _TL_LANE = 16, 30
_LANE_CHARS = 26


def _short(text: str, limit: int = _LANE_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def timeline(*, chart_id: str, title: str, marks: Sequence[Mark], empty: str) -> Svg:
    """Marks along a time axis, one row (lane) per distinct ``lane`` in order of first mark.

    Each mark is a circle in its level's colour with the level's letter on it,
    a line to ``until`` when given, and a ``<title>``; with ``href`` it is a
    link (and so reachable with the keyboard). No marks gives a chart saying
    ``empty``.
    """
    if not marks:
        return _empty(chart_id, title, empty)
    for m in marks:
        if m.level not in LEVEL_FILL:
            raise ValueError(f"mark level {m.level!r}: expected high, medium or low")
    lanes: list[str] = []
    for m in marks:
        if m.lane not in lanes:
            lanes.append(m.lane)
    first = min(m.at for m in marks)
    last = max(max(m.at, m.until or m.at) for m in marks)
    span = (last - first).total_seconds()
    x0, x1 = _TL_LEFT + 10, _TL_W - _TL_RIGHT - 10

    def x_of(when: dt.datetime) -> float:
        if span <= 0:
            return (x0 + x1) / 2
        return x0 + (x1 - x0) * (when - first).total_seconds() / span

    axis_y = _TL_TOP + _TL_LANE * len(lanes) + 6
    height = axis_y + 30
    body: list[El] = []
    for i, lane in enumerate(lanes):
        y = _TL_TOP + _TL_LANE * i + _TL_LANE / 2
        body.append(el("line", x1=_TL_LEFT, y1=y, x2=_TL_W - _TL_RIGHT, y2=y, stroke="#e4e4e4"))
        body.append(
            el(
                "text",
                el("title", lane),
                _short(lane),
                x=_TL_LEFT - 8,
                y=y + 4,
                font_size=12,
                fill=_TEXT,
                text_anchor="end",
            )
        )
    body.append(el("line", x1=_TL_LEFT, y1=axis_y, x2=_TL_W - _TL_RIGHT, y2=axis_y, stroke=_AXIS))
    start, end = day_label(first.date(), year=True), day_label(last.date(), year=True)
    if start == end:
        body.append(
            el(
                "text",
                start,
                x=(x0 + x1) / 2,
                y=axis_y + 18,
                font_size=12,
                fill=_TEXT,
                text_anchor="middle",
            )
        )
    else:
        body.append(el("text", start, x=x0, y=axis_y + 18, font_size=12, fill=_TEXT))
        body.append(
            el("text", end, x=x1, y=axis_y + 18, font_size=12, fill=_TEXT, text_anchor="end")
        )
    for m in sorted(marks, key=lambda m: (lanes.index(m.lane), m.at)):
        y = _TL_TOP + _TL_LANE * lanes.index(m.lane) + _TL_LANE / 2
        x = x_of(m.at)
        shapes: list[El | str] = [el("title", m.label)]
        if m.until is not None and m.until > m.at:
            shapes.append(
                el(
                    "line",
                    x1=x,
                    y1=y,
                    x2=x_of(m.until),
                    y2=y,
                    stroke=LEVEL_FILL[m.level],
                    stroke_width=3,
                )
            )
        shapes.append(
            el(
                "circle",
                cx=x,
                cy=y,
                r=9,
                fill=LEVEL_FILL[m.level],
                stroke="#1b1b1b",
                stroke_width=1,
            )
        )
        shapes.append(
            el(
                "text",
                LEVEL_LETTER[m.level],
                x=x,
                y=y + 4,
                font_size=11,
                font_weight="bold",
                fill=LEVEL_INK[m.level],
                text_anchor="middle",
            )
        )
        if m.href is not None:
            body.append(el("a", *shapes, href=m.href, class_=f"mark mark-{m.level}"))
        else:
            body.append(el("g", *shapes, tabindex=0, class_=f"mark mark-{m.level}"))
    desc = (
        f"{_counted(len(marks), 'mark')} in {_counted(len(lanes), 'row')} from {start} to {end}; "
        "H, M and L on a mark mean rated high, medium and low. "
        "The same dates are in the table that follows."
    )
    return _svg(chart_id, _TL_W, height, title, desc, *body)
