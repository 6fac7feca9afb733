"""The dashboard: headline figures and the weekly chart agree with the reports made."""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET
from typing import Any

import pytest
from websupport import T0, Clock, page_login

from lurewatch.model import Level
from lurewatch.scoring import level_for
from lurewatch.store import Store
from lurewatch.store.records import CaseDraft, ReportSubmission, SubmittedContact

SVG_NS = {"svg": "http://www.w3.org/2000/svg"}


def submit(store: Store, clock: Clock, when: dt.datetime, who: str, score: int, **kw: Any) -> str:
    clock.at = when
    made = store.submit_report(
        ReportSubmission(
            reporter=who,
            channel="web",
            contacts=(SubmittedContact(name="Avery Lin", level=level_for(score), score=score),),
            **kw,
        )
    )
    return made.reference


def figure(html: str, name: str) -> int:
    found = re.search(rf'<span class="big" id="fig-{name}">(\d+)</span>', html)
    assert found, name
    return int(found.group(1))


def chart(html: str) -> ET.Element:
    (svg,) = re.findall(r"<svg\b.*?</svg>", html, flags=re.S)
    return ET.fromstring(svg)


def table_rows(html: str, css_class: str) -> list[list[str]]:
    table = html[html.index(f'<table class="{css_class}">') :]
    table = table[: table.index("</table>")]
    body = table[table.index("<tbody>") :]
    return [
        re.findall(r"<t[hd][^>]*>([^<]*)</t[hd]>", row)
        for row in re.findall(r"<tr>(.*?)</tr>", body, flags=re.S)
    ]


@pytest.mark.parametrize("role_user", ["sam", "kim"])
def test_the_dashboard_needs_an_analyst(client: Any, role_user: str) -> None:
    anonymous = client.get("/dashboard", follow_redirects=False)
    assert anonymous.status_code == 303
    assert anonymous.headers["location"] == "/login?next=/dashboard"
    page_login(client, role_user)
    assert client.get("/dashboard").status_code == 403


def test_figures_and_chart_match_the_reports_made(client: Any, store: Store, clock: Clock) -> None:
    # T0 is Sunday 29 Nov 2026, 09:00 UTC: the current week began on Monday 23 Nov.
    day = dt.timedelta(days=1)
    submit(store, clock, T0 - 60 * day, "sam", 90)  # outside 30 days, week of 28 Sep
    submit(store, clock, T0 - 20 * day, "kim", 50)  # week of 9 Nov
    done = submit(store, clock, T0 - 10 * day, "sam", 95)  # week of 16 Nov; gets a verdict
    submit(store, clock, T0 - 3 * day, "sam", 10)  # week of 23 Nov
    submit(store, clock, T0 - 3 * day, "kim", 92)  # week of 23 Nov
    submit(store, clock, T0 - 1 * day, "sam", 99, is_exercise=True)  # never counted
    clock.at = T0
    store.record_verdict(done, "looks-legitimate", actor="ana")
    store.create_case(CaseDraft(title="Avery Lin", reports=(done,)), actor="ana")
    assert level_for(50) is Level.MEDIUM and level_for(10) is Level.LOW

    page_login(client, "ana")
    html = client.get("/dashboard").text
    assert figure(html, "7") == 2
    assert figure(html, "30") == 4
    assert figure(html, "high") == 2
    assert figure(html, "cases") == 1
    assert figure(html, "waiting") == 4  # five real reports, one answered

    svg = chart(html)
    assert svg.get("role") == "img" and svg.get("aria-labelledby") == "weekly-title weekly-desc"
    bars = svg.findall("svg:g[@class='bar']", SVG_NS)
    assert len(bars) == 12
    totals = [int(b.get("data-total", "-1")) for b in bars]
    # The 12 weeks start on Monday 7 Sep: 30 Sep is in the 4th, 9 Nov the 10th.
    assert totals == [0, 0, 0, 1, 0, 0, 0, 0, 0, 1, 1, 2]
    rows = table_rows(html, "weekly")
    assert [r[0] for r in rows][:2] == ["7 Sep 2026", "14 Sep 2026"]
    assert [int(r[4]) for r in rows] == totals
    assert rows[-1] == ["23 Nov 2026", "1", "0", "1", "2"]
    last = {r.get("class"): r for r in bars[-1].findall("svg:rect", SVG_NS)}
    assert set(last) == {"bar-high", "bar-low"}
    assert float(last["bar-high"].get("height", 0)) == pytest.approx(
        float(last["bar-low"].get("height", 0))
    )
    # Teams over the same weeks: the clerk sam sent 3 (two high, one low), the visitor centre 2.
    assert table_rows(html, "teams") == [
        ["Committee clerks", "3.0", "2", "0", "1", "3"],
        ["Visitor centre", "1.0", "1", "1", "0", "2"],
    ]


def test_an_empty_office_says_no_reports_yet(client: Any) -> None:
    page_login(client, "ana")
    html = client.get("/dashboard?weeks=26").text
    svg = chart(html)
    assert "No reports yet in the last 26 weeks." in "".join(svg.itertext())
    assert svg.findall("svg:g[@class='bar']", SVG_NS) == []
    assert len(table_rows(html, "weekly")) == 26
    assert "No reports from any team in the last 26 weeks." in html
    assert client.get("/dashboard?weeks=1000").status_code == 422
