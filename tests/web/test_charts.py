"""Server-side SVG charts: proportional, deterministic, accessible and escaped."""

from __future__ import annotations

import datetime as dt
import itertools
import xml.etree.ElementTree as ET

import pytest

from lurewatch.charts import (
    LEVEL_FILL,
    Bar,
    Layer,
    Mark,
    Svg,
    el,
    nice_ceiling,
    stacked_bars,
    timeline,
)

NS = {"svg": "http://www.w3.org/2000/svg"}
LAYERS = (
    Layer("high", LEVEL_FILL["high"]),
    Layer("medium", LEVEL_FILL["medium"]),
    Layer("low", LEVEL_FILL["low"]),
)
HOSTILE = (
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "javascript:alert(1)",
    "</svg><script>alert(2)</script>",
    "A\u202egnp.exe",
)
T = dt.datetime(2026, 11, 2, 9, tzinfo=dt.UTC)


def parse(svg: Svg) -> ET.Element:
    return ET.fromstring(svg.markup)  # well-formed XML, or this raises


def all_text(root: ET.Element) -> str:
    return "".join(root.itertext())


def test_bar_heights_are_proportional_to_the_counts() -> None:
    svg = stacked_bars(
        chart_id="w",
        title="Reports per week",
        layers=LAYERS,
        bars=[Bar("2 Nov", (2, 0, 1)), Bar("9 Nov", (0, 0, 0)), Bar("16 Nov", (4, 3, 1))],
    )
    root = parse(svg)
    bars = root.findall("svg:g[@class='bar']", NS)
    assert [b.get("data-total") for b in bars] == ["3", "0", "8"]
    heights = {
        (i, r.get("class")): float(r.get("height", "0"))
        for i, b in enumerate(bars)
        for r in b.findall("svg:rect", NS)
    }
    unit = heights[(0, "bar-low")]  # one report
    assert unit > 0
    assert heights == pytest.approx(
        {
            (0, "bar-high"): 2 * unit,
            (0, "bar-low"): unit,
            (2, "bar-high"): 4 * unit,
            (2, "bar-medium"): 3 * unit,
            (2, "bar-low"): unit,
        }
    )
    # Stacked from the axis up: each part starts where the one below it ends.
    for lower, upper in itertools.pairwise(bars[2].findall("svg:rect", NS)):
        assert float(upper.get("y", "0")) + float(upper.get("height", "0")) == pytest.approx(
            float(lower.get("y", "0"))
        )
    # The value axis ends on a round number at or above the tallest bar.
    assert [nice_ceiling(n) for n in (0, 1, 8, 9, 23, 140)] == [
        (1, 1),
        (1, 1),
        (8, 2),
        (10, 2),
        (25, 5),
        (150, 50),
    ]
    assert [t.text for t in root.findall("svg:g[@class='bar']/svg:title", NS)] == [
        "2 Nov: 3 reports",
        "9 Nov: 0 reports",
        "16 Nov: 8 reports",
    ]


def test_charts_are_accessible_and_sized_by_their_view_box() -> None:
    svg = stacked_bars(chart_id="w", title="Per week", layers=LAYERS, bars=[Bar("a", (1, 0, 0))])
    root = parse(svg)
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "w-title w-desc"
    assert root.find("svg:title", NS) is not None
    assert root.find("svg:title", NS).get("id") == "w-title"  # type: ignore[union-attr]
    assert root.get("viewBox") == "0 0 640 280"
    legend = root.find("svg:g[@class='legend']", NS)
    assert legend is not None
    assert [t.text for t in legend.findall("svg:text", NS)] == ["high", "medium", "low"]


def test_no_data_says_so_instead_of_drawing_an_empty_chart() -> None:
    for bars in ([], [Bar("a", (0, 0, 0)), Bar("b", (0, 0, 0))]):
        root = parse(stacked_bars(chart_id="w", title="Per week", layers=LAYERS, bars=bars))
        assert "No reports yet." in all_text(root)
        assert root.findall("svg:g[@class='bar']", NS) == []
    empty = timeline(chart_id="t", title="Timeline", marks=[], empty="Nothing reported.")
    assert "Nothing reported." in all_text(parse(empty))


def test_charts_are_deterministic() -> None:
    def make() -> tuple[Svg, Svg]:
        bars = [Bar(str(i), (i, i % 3, 1)) for i in range(26)]
        marks = [
            Mark(at=T + dt.timedelta(days=i), lane=f"r{i % 3}", level="low", label="x")
            for i in range(5)
        ]
        return (
            stacked_bars(chart_id="w", title="t", layers=LAYERS, bars=bars),
            timeline(chart_id="t", title="t", marks=marks, empty=""),
        )

    assert make() == make()


def test_crowded_axes_show_at_most_13_bar_labels() -> None:
    bars = [Bar(f"w{i}", (1, 0, 0)) for i in range(26)]
    root = parse(stacked_bars(chart_id="w", title="t", layers=LAYERS, bars=bars))
    labels = [t.text for t in root.findall("svg:text", NS) if (t.text or "").startswith("w")]
    assert labels == [f"w{i}" for i in range(0, 26, 2)]


def test_hostile_labels_are_escaped_in_every_text_node_and_attribute() -> None:
    for bad in HOSTILE:
        bars = stacked_bars(
            chart_id="w", title=bad, layers=LAYERS, bars=[Bar(bad, (1, 1, 1), long_label=bad)]
        )
        marks = timeline(
            chart_id="t",
            title=f"Timeline of {bad}",
            marks=[
                Mark(at=T, lane=bad, level="high", label=bad, href="/reports/LW-1?x=" + bad),
                Mark(at=T + dt.timedelta(days=1), lane="kim", level="low", label=bad),
            ],
            empty="",
        )
        for svg in (bars, marks):
            root = parse(svg)  # still one well-formed <svg>: nothing broke out of it
            assert root.tag == "{http://www.w3.org/2000/svg}svg"
            tags = {e.tag.split("}")[1] for e in root.iter()}
            assert tags <= {"svg", "title", "desc", "line", "text", "rect", "g", "a", "circle"}
            assert all(not name.startswith("on") for e in root.iter() for name in e.attrib)
            assert "<script" not in svg.markup and "<img" not in svg.markup
        # The words themselves survive, as text (controls made visible).
        shown = bad.replace("\u202e", "\\u202e")
        assert shown in all_text(parse(bars))
        link = parse(marks).find("svg:a", NS)
        assert link is not None and link.get("href") == "/reports/LW-1?x=" + shown


def test_timeline_has_one_focusable_mark_per_observation_labelled_by_level() -> None:
    marks = [
        Mark(at=T, lane="sam", level="high", label="LW-1 high", href="/reports/LW-1"),
        Mark(
            at=T + dt.timedelta(days=4),
            lane="kim",
            level="medium",
            label="LW-2 medium",
            until=T + dt.timedelta(days=9),
            href="/reports/LW-2",
        ),
        Mark(at=T + dt.timedelta(days=12), lane="sam", level="low", label="LW-3 low"),
    ]
    root = parse(timeline(chart_id="t", title="Avery Lin", marks=marks, empty=""))
    shown = root.findall(".//*[@class]", NS)
    found = [e for e in shown if (e.get("class") or "").startswith("mark ")]
    assert [e.get("class") for e in found] == [
        "mark mark-high",
        "mark mark-low",
        "mark mark-medium",
    ]
    assert [e.tag.split("}")[1] for e in found] == ["a", "g", "a"]
    assert found[1].get("tabindex") == "0"
    # Colour is backed by a letter and a title on every mark.
    assert [e.find("svg:text", NS).text for e in found] == ["H", "L", "M"]  # type: ignore[union-attr]
    assert [e.find("svg:title", NS).text for e in found] == ["LW-1 high", "LW-3 low", "LW-2 medium"]  # type: ignore[union-attr]
    # One row per member of staff, in order of their first mark; time runs left to right.
    xs = {e.find("svg:title", NS).text: float(e.find("svg:circle", NS).get("cx")) for e in found}  # type: ignore[union-attr, arg-type]
    assert xs["LW-1 high"] < xs["LW-2 medium"] < xs["LW-3 low"]
    rows = [t.text for t in root.findall("svg:text", NS) if t.text in ("sam", "kim")]
    assert rows == []  # lane labels carry a <title> first; their text is the tail
    lane_texts = [
        all_text(t) for t in root.findall("svg:text", NS) if t.find("svg:title", NS) is not None
    ]
    assert lane_texts == ["samsam", "kimkim"]
    assert "2 Nov 2026" in all_text(root) and "14 Nov 2026" in all_text(root)


def test_element_builder_refuses_odd_names() -> None:
    with pytest.raises(ValueError):
        el("script onload", "x")
    with pytest.raises(ValueError):
        el("text", "x", **{"on load": "y"})
    with pytest.raises(ValueError, match="counts"):
        stacked_bars(chart_id="w", title="t", layers=LAYERS, bars=[Bar("a", (1, 2))])
    with pytest.raises(ValueError, match="level"):
        timeline(
            chart_id="t",
            title="t",
            marks=[Mark(at=T, lane="a", level="severe", label="")],
            empty="",
        )
