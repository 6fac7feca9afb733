"""Campaign graph and timeline: well-formed, escaped, readable without colour, keyboard-usable."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET

import pytest
from campaign_data import DAY, TEMPLATE, rec

from lurewatch.campaigns import ApproachRecord, Campaign, link
from lurewatch.campaigns.graph import (
    GraphRow,
    campaign_graph_svg,
    campaign_graph_table,
    campaign_timeline_svg,
    safe_href,
)

NS = "{http://www.w3.org/2000/svg}"
LABELS = {"t1": "Trade committee", "t2": "Defence team", "t3": "Research office"}
PAYLOADS = (
    "<script>alert(1)</script>",
    "</svg><script>alert(2)</script>",
    '" onload="alert(3)',
    "javascript:alert(4)",
)


def label(target: str) -> str:
    return LABELS.get(target, target)


def campaign_records() -> list[ApproachRecord]:
    return [
        rec(
            "a",
            target="t1",
            name="Amanda Qiu",
            company="BR-YR Executive Search",
            profile_url="linkedin.com/in/amanda-q-88",
            text=TEMPLATE + " My WeChat ID is amy_br88.",
        ),
        rec(
            "b",
            target="t2",
            when=DAY + dt.timedelta(days=2),
            name="Amanda Shu",
            company="BR-YR Executive Search",
            profile_url="https://www.linkedin.com/in/amanda-q-88/",
            text=TEMPLATE + " My WeChat ID is amy_br88.",
        ),
        rec(
            "c",
            target="t1",
            when=DAY + dt.timedelta(days=5),
            name="Jordan Wei",
            company="Blue Ridge Partners",
            text="Hello, add me on WeChat: amy_br88 for a paid opportunity",
        ),
    ]


def the_campaign(records: list[ApproachRecord]) -> Campaign:
    linking = link(records)
    assert len(linking.campaigns) == 1
    return linking.campaigns[0]


def parse(svg: object) -> ET.Element:
    return ET.fromstring(str(svg))  # raises on anything that is not well-formed XML


def nodes(root: ET.Element) -> list[ET.Element]:
    return [e for e in root.iter() if "node" in (e.get("class") or "").split()]


def test_graph_has_three_kinds_of_node_with_distinct_shapes_and_a_legend() -> None:
    recs = campaign_records()
    root = parse(campaign_graph_svg(the_campaign(recs), recs, target_label=label))
    by_class: dict[str, list[ET.Element]] = {}
    for n in nodes(root):
        for cls in (n.get("class") or "").split():
            by_class.setdefault(cls, []).append(n)
    assert len(by_class["node-persona"]) == 2
    assert len(by_class["node-target"]) == 2
    # Template and WeChat handle; the organisation of one persona; no photo, no domain.
    assert sorted(n.get("class") for n in by_class["node-artefact"]) == [
        "node node-artefact node-handle",
        "node node-artefact node-organisation",
        "node node-artefact node-template",
    ]
    assert all(n.find(f"{NS}rect") is not None for n in by_class["node-persona"])
    assert all(n.find(f"{NS}circle") is not None for n in by_class["node-target"])
    assert all(n.find(f"{NS}polygon") is not None for n in by_class["node-artefact"])
    legend = next(e for e in root.iter(f"{NS}g") if e.get("class") == "legend")
    texts = [t.text for t in legend.iter(f"{NS}text")]
    assert texts[:5] == ["shared artefact", "persona", "member of staff", "wrote to", "used"]
    target_texts = {t.text for n in by_class["node-target"] for t in n.iter(f"{NS}text")}
    assert target_texts == {"Trade committee", "Defence team"}


def test_edges_say_who_wrote_to_whom_and_who_used_what() -> None:
    recs = campaign_records()
    root = parse(campaign_graph_svg(the_campaign(recs), recs, target_label=label))
    titles = sorted(
        t.text or ""
        for e in root.iter(f"{NS}line")
        if "edge" in (e.get("class") or "")
        for t in e.iter(f"{NS}title")
    )
    assert titles == [
        "Amanda Qiu used Organisation: BR-YR Executive Search",
        "Amanda Qiu used Template: “I was impressed by your insightful work on …”",
        "Amanda Qiu used WeChat: amy_br88",
        "Amanda Qiu wrote to Defence team: 1 approach",
        "Amanda Qiu wrote to Trade committee: 1 approach",
        "Jordan Wei used WeChat: amy_br88",
        "Jordan Wei wrote to Trade committee: 1 approach",
    ]
    dashed = [e for e in root.iter(f"{NS}line") if "edge-uses" in (e.get("class") or "")]
    assert dashed and all(e.get("stroke-dasharray") for e in dashed)  # not colour alone


def test_every_node_is_a_focusable_link_with_a_title() -> None:
    recs = campaign_records()
    svg = campaign_graph_svg(
        the_campaign(recs),
        recs,
        target_label=label,
        href=lambda n: f"/campaigns/1/{n.kind}?key={n.key}",
    )
    root = parse(svg)
    found = nodes(root)
    assert len(found) == 7
    for n in found:
        assert n.tag == f"{NS}a"
        assert n.get("href", "").startswith("/campaigns/1/")
        assert n.get("tabindex") == "0"
        assert (n.find(f"{NS}title").text or "").strip()  # type: ignore[union-attr]
    assert root.get("role") == "group"
    assert root.get("aria-labelledby") == "campaign-graph-title campaign-graph-desc"


@pytest.mark.parametrize("payload", PAYLOADS)
def test_adversary_text_is_escaped_everywhere(payload: str) -> None:
    recs = [
        rec("a", target="t1", name="Amy " + payload, company=payload + " Ltd",
            text=TEMPLATE + " " + payload, emails=("x@evil-front.com",)),
        rec("b", target=payload, name="Bo " + payload, company=payload + " Ltd",
            text=TEMPLATE + " " + payload, emails=("x@evil-front.com",)),
    ]  # fmt: skip
    c = the_campaign(recs)
    svg = str(
        campaign_graph_svg(
            c, recs, target_label=lambda t: t + payload, href=lambda n: "javascript:alert(5)"
        )
    )
    timeline = str(
        campaign_timeline_svg(
            c, recs, target_label=lambda t: t, levels={"a": "high", "b": "medium"},
            href=lambda r: " JaVa\tScript:alert(6)",
        )
    )  # fmt: skip
    for markup in (svg, timeline):
        root = parse(markup)
        assert root.tag == f"{NS}svg"
        assert markup.count("<svg") == 1 and markup.endswith("</svg>")
        for e in root.iter():
            assert e.tag.removeprefix(NS) not in ("script", "foreignObject", "iframe")
            for attr, value in e.attrib.items():
                assert not attr.casefold().startswith("on"), attr
                assert attr != "style"
                assert "javascript:" not in "".join(value.split()).casefold()
        assert "<script" not in markup
    # The payload is still shown, as text.
    root = parse(svg)
    assert any(payload in (t.text or "") for t in root.iter(f"{NS}title"))
    # A refused address leaves the node focusable without a link.
    assert all(n.tag == f"{NS}g" and n.get("tabindex") == "0" for n in nodes(root))


def test_crossings_are_reduced_by_barycentre_ordering() -> None:
    # Kind order alone would put the template above the organisation while the persona
    # using the organisation comes first: one crossing that the ordering removes.
    other = (
        "Our foundation invites senior officials to a fully funded study tour in Shanghai "
        "next spring, with meetings at several universities and a generous honorarium paid "
        "in cash on arrival for each participant."
    )
    recs = [
        rec("a", target="t1", name="Amanda Qiu", company="Kovarex Talent"),
        rec("b", target="t2", name="Bella Tan", company="Kovarex Talent"),
        rec("c", target="t3", name="Chen Hao", text=other, when=DAY + dt.timedelta(days=1)),
        rec("d", target="t3", name="Chen Hao", text=other, when=DAY + dt.timedelta(days=2)),
    ]
    linking = link(recs)
    merged = Campaign("campaign:a", ("a", "b", "c", "d"), ())
    root = parse(campaign_graph_svg(merged, recs, linking, target_label=label))
    lines = [
        tuple(float(e.get(k, 0)) for k in ("y1", "y2"))
        for e in root.iter(f"{NS}line")
        if "edge-uses" in (e.get("class") or "")
    ]
    assert len(lines) == 3  # organisation to two personas, template to one
    crossings = sum(
        1 for i, p in enumerate(lines) for q in lines[i + 1 :]
        if (p[0] - q[0]) * (p[1] - q[1]) < 0
    )  # fmt: skip
    assert crossings == 0


def test_columns_are_capped_with_a_count_of_what_is_left_out() -> None:
    recs = [
        rec(f"r{i:02}", target=f"t{i:02}", name=f"Person{i:02} Lastname",
            handles=("amy_br88",), text="WeChat: amy_br88")
        for i in range(12)
    ]  # fmt: skip
    c = the_campaign(recs)
    root = parse(campaign_graph_svg(c, recs, target_label=label, max_per_column=5))
    kinds = [n.get("class", "").split()[-1] for n in nodes(root)]
    assert kinds.count("node-persona") == 5
    assert kinds.count("node-target") == 5
    more = [t.text for t in root.iter(f"{NS}text") if t.get("class") == "more"]
    assert more == ["+7 more (see the table)", "+7 more (see the table)"]
    assert len(campaign_graph_table(c, recs, target_label=label)) == 12


def test_output_is_deterministic() -> None:
    recs = campaign_records()
    c = the_campaign(recs)
    one = campaign_graph_svg(c, recs, target_label=label)
    two = campaign_graph_svg(c, list(reversed(recs)), target_label=label)
    assert one == two


def test_table_is_the_text_alternative() -> None:
    recs = campaign_records()
    rows = campaign_graph_table(the_campaign(recs), recs, target_label=label)
    template = "Template: “I was impressed by your insightful work on …”"
    assert rows == (
        GraphRow(
            persona="Amanda Qiu",
            also_written=("Amanda Shu",),
            organisations=("BR-YR Executive Search",),
            approaches=2,
            first=DAY,
            last=DAY + dt.timedelta(days=2),
            staff=("Trade committee", "Defence team"),
            artefacts=(template, "WeChat: amy_br88", "Organisation: BR-YR Executive Search"),
        ),
        GraphRow(
            persona="Jordan Wei",
            also_written=(),
            organisations=("Blue Ridge Partners",),
            approaches=1,
            first=DAY + dt.timedelta(days=5),
            last=DAY + dt.timedelta(days=5),
            staff=("Trade committee",),
            artefacts=("WeChat: amy_br88",),
        ),
    )


def test_a_missing_member_record_is_an_error() -> None:
    recs = campaign_records()
    with pytest.raises(ValueError, match="no record for member"):
        campaign_graph_svg(the_campaign(recs), recs[:2], target_label=label)


def test_timeline_has_one_row_per_member_of_staff_and_lettered_marks() -> None:
    recs = campaign_records()
    root = parse(
        campaign_timeline_svg(
            the_campaign(recs),
            recs,
            target_label=label,
            levels={"a": "high", "b": "medium", "c": "high"},
            href=lambda r: f"/reports/{r.id}",
        )
    )
    marks = [e for e in root.iter(f"{NS}a") if "mark" in (e.get("class") or "")]
    assert [m.get("href") for m in marks] == ["/reports/a", "/reports/c", "/reports/b"]
    letters = [next(t.text for t in m.iter(f"{NS}text")) for m in marks]
    assert letters == ["H", "H", "M"]
    lanes = [
        t.find(f"{NS}title").text  # type: ignore[union-attr]
        for t in root.iter(f"{NS}text")
        if t.find(f"{NS}title") is not None
    ]
    assert lanes == ["Trade committee", "Defence team"]


def test_timeline_needs_a_rating_for_every_approach() -> None:
    recs = campaign_records()
    with pytest.raises(ValueError, match="no rating for record"):
        campaign_timeline_svg(the_campaign(recs), recs, target_label=label, levels={"a": "high"})


@pytest.mark.parametrize(
    ("url", "kept"),
    [
        ("/campaigns/1", True),
        ("?key=handle:x", True),
        ("#node-3", True),
        ("https://office.example/c/1", True),
        ("javascript:alert(1)", False),
        (" java\tscript:alert(1)", False),
        ("JAVASCRIPT:alert(1)", False),
        ("data:text/html,<script>", False),
        ("vbscript:x", False),
        ("", False),
        (None, False),
    ],
)
def test_safe_href_allows_relative_and_http_only(url: str | None, kept: bool) -> None:
    assert (safe_href(url) == url) is kept if url else safe_href(url) is None
