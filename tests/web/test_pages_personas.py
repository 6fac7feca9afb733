"""The persona pages: ranked list, one persona across reports, its timeline, escaping."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import Any
from urllib.parse import quote

import pytest
from websupport import Clock, bearer, contact, page_login

from lurewatch.identity import counterparty_key
from lurewatch.store import Store

SVG_NS = {"svg": "http://www.w3.org/2000/svg"}
AVERY_URL = "https://www.linkedin.com/in/avery-lin-77"
AVERY = counterparty_key(AVERY_URL, "")


def report(client: Any, reporter: str, *contacts: dict[str, Any], exercise: bool = False) -> str:
    body: dict[str, Any] = {"contacts": list(contacts), "is_exercise": exercise}
    response = client.post("/api/reports", json=body, headers=bearer(reporter))
    assert response.status_code == 201, response.text
    return str(response.json()["reference"])


def svgs(html: str) -> list[ET.Element]:
    """Every inline <svg> of a page, parsed as XML (fails if any is not well-formed)."""
    return [ET.fromstring(m) for m in re.findall(r"<svg\b.*?</svg>", html, flags=re.S)]


def marks(svg: ET.Element) -> list[ET.Element]:
    return [e for e in svg.iter() if (e.get("class") or "").startswith("mark ")]


def persona_path(key: str, **query: str) -> str:
    suffix = "?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else ""
    return f"/personas/{quote(key, safe='')}{suffix}"


@pytest.fixture
def campaign(client: Any, clock: Clock) -> dict[str, str]:
    """Avery Lin writes to sam (committee clerk) and kim (visitor centre); Jordan to sam."""
    refs = {
        "sam": report(
            client,
            "sam",
            contact(
                "Avery Lin",
                profile_url=AVERY_URL,
                first_contact="2026-11-02",
                last_contact="2026-11-06",
            ),
        )
    }
    clock.advance(days=1)
    refs["kim"] = report(
        client,
        "kim",
        contact(
            "Avery LIN",
            profile_url=AVERY_URL + "/",
            company="Bright Path Search Ltd",  # the first report gives the helper's default
            level="medium",
            score=55,
            first_contact="2026-11-12",
            last_contact="2026-11-12",
        ),
    )
    clock.advance(days=1)
    refs["jordan"] = report(
        client,
        "sam",
        contact("Jordan Hale", profile_url=None, company="Hale Consulting", level="low", score=12),
    )
    refs["drill"] = report(
        client, "kim", contact("Drill Persona", level="high", score=99), exercise=True
    )
    return refs


@pytest.mark.parametrize("path", ["/personas", persona_path(AVERY)])
def test_persona_pages_need_an_analyst(client: Any, path: str) -> None:
    anonymous = client.get(path, follow_redirects=False)
    assert anonymous.status_code == 303
    assert anonymous.headers["location"].startswith("/login?next=/personas")
    page_login(client, "sam")
    assert client.get(path).status_code == 403
    client.cookies.clear()
    page_login(client, "ana")
    assert client.get(path).status_code in (200, 404)  # 404: no such persona yet


def test_personas_are_ranked_by_reach_and_exercises_left_out(
    client: Any, campaign: dict[str, str]
) -> None:
    page_login(client, "ana")
    html = client.get("/personas").text
    rows = re.findall(r'<td class="wrap"><a href="/personas/([^"?]+)[^"]*">([^<]*)</a>', html)
    assert rows == [
        (quote(AVERY, safe=""), "Avery LIN"),
        (quote(counterparty_key("", "Jordan Hale"), safe=""), "Jordan Hale"),
    ]
    assert "Drill Persona" not in html
    assert "security exercises left out" in html
    # Avery's row: 2 reports, 2 staff, 2 teams, rated high at most.
    avery_row = html[html.index("Avery LIN") : html.index("Jordan Hale")]
    assert re.findall(r'<td class="num">(\d+)</td>', avery_row) == ["2", "2", "2"]
    assert "badge-high" in avery_row

    with_drills = client.get("/personas?exercises=1&order=level").text
    assert with_drills.index("Drill Persona") < with_drills.index("Avery LIN")
    by_recent = client.get("/personas?order=recent").text
    assert by_recent.index("Jordan Hale") < by_recent.index("Avery LIN")
    assert client.get("/personas?order=loudest").status_code == 422


def test_the_search_box_finds_personas_by_name_company_or_address(
    client: Any, campaign: dict[str, str]
) -> None:
    page_login(client, "ana")
    for q in ("bright path", "avery", quote(AVERY_URL, safe="")):
        html = client.get(f"/personas?q={q}").text
        assert "Avery LIN" in html and "Jordan Hale" not in html, q
    nothing = client.get("/personas?q=nobody-at-all").text
    assert "No personas match “nobody-at-all”" in nothing


def test_the_persona_page_shows_every_report_and_one_mark_per_observation(
    client: Any, campaign: dict[str, str]
) -> None:
    page_login(client, "ana")
    response = client.get(persona_path(AVERY))
    assert response.status_code == 200
    html = response.text
    # Whom it reached and over which period (first to last message), at a glance.
    reach = re.sub(r"\s+", " ", html[html.index('class="lead persona-reach"') :])
    assert reach.startswith(
        'class="lead persona-reach"> Reached <strong>2 members of staff</strong> in 2 teams '
        "within <strong>11 days</strong> (2 Nov 2026 to 12 Nov 2026), across 2 reports."
    )
    # Names and companies as written, profile address as text (never a link).
    assert '<span class="as-written">Avery Lin</span>' in html
    assert '<span class="as-written">Avery LIN</span>' in html
    assert '<span class="as-written">Bright Path Search Ltd</span>' in html
    assert f'<code class="wrap">{AVERY_URL}</code>' in html
    assert f'href="{AVERY_URL}' not in html
    # Every report, linking to its page, with its reporter and team.
    for who, team in (("sam", "Committee clerks"), ("kim", "Visitor centre")):
        ref = campaign[who]
        row = html[html.index(f'<a href="/reports/{ref}">') :]
        row = row[: row.index("</tr>")]
        assert f"<td>{who}</td>" in row and f"<td>{team}</td>" in row
    assert campaign["jordan"] not in html
    # The timeline: one mark per observation, each a link to its report, in its own row.
    (svg,) = svgs(html)
    assert svg.get("role") == "img"
    found = marks(svg)
    assert [m.get("href") for m in found] == [
        f"/reports/{campaign['sam']}",
        f"/reports/{campaign['kim']}",
    ]
    assert [m.get("class") for m in found] == ["mark mark-high", "mark mark-medium"]
    titles = [m.find("svg:title", SVG_NS).text for m in found]  # type: ignore[union-attr]
    assert titles == [
        f"{campaign['sam']}: to sam, first wrote 2 Nov 2026, rated high (91/100)",
        f"{campaign['kim']}: to kim, first wrote 12 Nov 2026, rated medium (55/100)",
    ]
    assert len({m.find("svg:circle", SVG_NS).get("cy") for m in found}) == 2  # type: ignore[union-attr]


def test_exercise_observations_are_hidden_unless_asked_for(
    client: Any, store: Store, campaign: dict[str, str]
) -> None:
    drill = report(
        client,
        "sam",
        contact("Avery Lin", profile_url=AVERY_URL, first_contact="2026-11-20"),
        exercise=True,
    )
    page_login(client, "ana")
    html = client.get(persona_path(AVERY)).text
    assert drill not in html
    assert "1 report from security exercises not shown." in html
    assert len(marks(svgs(html)[0])) == 2
    shown = client.get(persona_path(AVERY, exercises="1")).text
    assert drill in shown and '<span class="tag exercise">exercise</span>' in shown
    assert len(marks(svgs(shown)[0])) == 3


def test_an_unknown_persona_is_a_404_page(client: Any) -> None:
    page_login(client, "ana")
    response = client.get(persona_path("name:nobody"))
    assert response.status_code == 404
    assert "text/html" in response.headers["content-type"]


def test_a_name_only_persona_key_with_odd_characters_round_trips(client: Any) -> None:
    report(client, "sam", contact("Zoë  O'Brien-Smith", profile_url=None))
    key = counterparty_key("", "Zoë  O'Brien-Smith")
    page_login(client, "ana")
    listing = client.get("/personas").text
    assert f'href="/personas/{quote(key, safe="")}"' in listing
    assert client.get(persona_path(key)).status_code == 200


HOSTILE_NAME = "</svg><script>alert('name')</script>"
HOSTILE_COMPANY = '"><img src=x onerror="alert(1)">'
HOSTILE_URL = "javascript:alert(document.cookie)//linkedin.com/in/x"


def test_hostile_persona_text_is_escaped_in_the_pages_and_the_svg(client: Any) -> None:
    for reporter in ("sam", "kim"):
        report(
            client,
            reporter,
            contact(
                HOSTILE_NAME,
                company=HOSTILE_COMPANY,
                profile_url=HOSTILE_URL,
                first_contact='2026-11-02"><script>alert(3)</script>',
                findings=[
                    {
                        "id": "x",
                        "title": "<b onmouseover=alert(2)>bold</b>",
                        "category": "money",
                        "weight": 1.0,
                        "evidence": [],
                    }
                ],
            ),
        )
    page_login(client, "ana")
    listing = client.get("/personas").text
    key = re.search(r'<td class="wrap"><a href="/personas/([^"]+)">', listing)
    assert key is not None
    for html in (listing, client.get(f"/personas/{key.group(1)}").text):
        assert "<script>" not in html and "<img" not in html and "<b onmouseover" not in html
        assert 'onerror="alert' not in html
        assert 'href="javascript:' not in html
        assert "&lt;/svg&gt;&lt;script&gt;" in html
    page = client.get(f"/personas/{key.group(1)}").text
    (svg,) = svgs(page)  # exactly one well-formed <svg>: nothing closed it early
    title = svg.find("svg:title", SVG_NS)
    assert title is not None and title.text == f"When {HOSTILE_NAME} wrote to each member of staff"
    assert {e.tag.split("}")[1] for e in svg.iter()} <= {
        "svg",
        "title",
        "desc",
        "line",
        "text",
        "a",
        "circle",
    }
    assert "&lt;b onmouseover=alert(2)&gt;bold&lt;/b&gt;" in page


def test_the_demo_campaign_is_obvious_on_its_persona_page(tmp_path: Any) -> None:
    """The demo's Avery Lin wrote to five members of staff within two weeks."""
    import datetime as dt

    from fastapi.testclient import TestClient
    from websupport import FAST_HASHER, SECRET

    from lurewatch.demo import CAMPAIGN, seed
    from lurewatch.service import Checker
    from lurewatch.settings import Settings
    from lurewatch.web import create_app

    url = f"sqlite:///{tmp_path / 'demo.db'}"
    with Store.open(url, migrate=True, hasher=FAST_HASHER) as store:
        creds = seed(store, Checker.from_settings(Settings()), dt.date(2026, 11, 29))
        assert creds is not None
        analyst = next(c for c in creds if c.role == "analyst")
        app = create_app(Settings(secret_key=SECRET), store)
        with TestClient(app, base_url="http://testserver") as client:
            page_login(client, analyst.username, analyst.password)
            listing = client.get("/personas?order=staff").text
            first = re.search(r'<td class="wrap"><a href="/personas/[^"]+">([^<]*)</a>', listing)
            assert first is not None and first.group(1) == CAMPAIGN[0]
            html = client.get(persona_path(counterparty_key(CAMPAIGN[1], CAMPAIGN[0]))).text
            reach = re.sub(r"\s+", " ", html[html.index('class="lead persona-reach"') :])
            found = re.match(
                r'class="lead persona-reach"> Reached <strong>5 members of staff</strong> '
                r"in (\d) teams within <strong>(\d+) days</strong>",
                reach,
            )
            assert found, reach[:300]
            assert int(found.group(1)) == 3 and int(found.group(2)) <= 16
            (svg,) = svgs(html)
            assert len(marks(svg)) == 5
