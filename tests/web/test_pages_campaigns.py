"""The campaign pages: access, relink, graph and timeline, escaping, actions, alert, STIX."""

from __future__ import annotations

import datetime as dt
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

import pytest
import stix2
from websupport import Clock, bearer, contact, csrf_from, page_login, post_form

from lurewatch.demo import CAMPAIGN, seed
from lurewatch.identity import counterparty_key
from lurewatch.service import Checker
from lurewatch.settings import Settings
from lurewatch.store import Store
from lurewatch.web import create_app

SVG_NS = "{http://www.w3.org/2000/svg}"
AVERY_URL = "https://www.linkedin.com/in/avery-lin-77"
HOSTILE = '<script>alert("x")</script> Avery'
HOSTILE_FIRM = "Bright <b>Path</b> & Co"


def report(client: Any, reporter: str, *contacts: dict[str, Any]) -> str:
    response = client.post(
        "/api/reports", json={"contacts": list(contacts)}, headers=bearer(reporter)
    )
    assert response.status_code == 201, response.text
    return str(response.json()["reference"])


def svgs(html: str) -> list[ET.Element]:
    return [ET.fromstring(m) for m in re.findall(r"<svg\b.*?</svg>", html, flags=re.S)]


@pytest.fixture
def refs(client: Any, clock: Clock) -> list[str]:
    """One persona (hostile name and firm) writes to sam twice and to kim once."""
    out = []
    for who, day in (("sam", "2026-11-02"), ("kim", "2026-11-05"), ("sam", "2026-11-09")):
        out.append(
            report(
                client,
                who,
                contact(
                    HOSTILE,
                    profile_url=AVERY_URL,
                    company=HOSTILE_FIRM,
                    items=[
                        {"kind": "message", "excerpt": "Add me on WeChat: bp_avery88 for details"}
                    ],
                    first_contact=day,
                ),
            )
        )
        clock.advance(days=1)
    report(client, "kim", contact("Jordan Hale", profile_url=None, company="Hale Consulting"))
    return out


def relinked(client: Any) -> int:
    page_login(client, "ana")
    response = post_form(client, "/campaigns/relink", {}, page="/campaigns", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/campaigns"
    found = re.findall(r'<a href="/campaigns/(\d+)">', client.get("/campaigns").text)
    assert len(found) == 1
    return int(found[0])


@pytest.mark.parametrize("path", ["/campaigns", "/campaigns/1"])
def test_campaign_pages_need_an_analyst(client: Any, path: str) -> None:
    anonymous = client.get(path, follow_redirects=False)
    assert anonymous.status_code == 303
    assert anonymous.headers["location"].startswith("/login?next=/campaigns")
    page_login(client, "sam")
    assert client.get(path).status_code == 403
    client.cookies.clear()
    page_login(client, "ana")
    assert client.get(path).status_code in (200, 404)  # 404: no such campaign yet
    assert 'href="/campaigns"' in client.get("/campaigns").text  # in the navigation


def test_relink_needs_the_csrf_token(client: Any, refs: list[str]) -> None:
    page_login(client, "ana")
    client.get("/campaigns")
    assert client.post("/campaigns/relink", data={}).status_code == 403
    assert "No campaigns yet" in client.get("/campaigns").text


def test_the_campaign_page_draws_the_graph_and_timeline_and_escapes_the_persona(
    client: Any, refs: list[str]
) -> None:
    cid = relinked(client)
    listing = client.get("/campaigns").text
    assert "&lt;script&gt;" in listing and "<script>" not in listing
    html = client.get(f"/campaigns/{cid}").text
    assert "<script" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; Avery" in html
    assert "Bright &lt;b&gt;Path&lt;/b&gt; &amp; Co" in html
    assert "Jordan Hale" not in html
    graph, timeline = svgs(html)
    assert graph.get("role") == "group" and "campaign-graph" in (graph.get("class") or "")
    assert not [e for e in graph.iter() if e.tag == SVG_NS + "script"]
    hrefs = {e.get("href") for e in graph.iter() if e.tag == SVG_NS + "a"}
    persona = f"/personas/{quote(counterparty_key(AVERY_URL, ''), safe='')}"
    assert persona in hrefs
    assert {f"/reports/{refs[0]}", f"/reports/{refs[1]}"} <= hrefs
    texts = " ".join(e.text or "" for e in graph.iter())
    assert "sam (Committee clerks)" in texts and "kim (Visitor centre)" in texts
    marks = [e for e in timeline.iter() if (e.get("class") or "").startswith("mark ")]
    assert sorted(m.get("href") or "" for m in marks) == sorted(f"/reports/{r}" for r in refs)
    # The table alternative, the members and why they are linked.
    assert '<table class="campaign-graph">' in html
    for ref in refs:
        assert f'<a href="/reports/{ref}">{ref}</a>' in html
    assert html.count('<span class="tag reason">profile-url</span>') == 2
    assert "same profile address: linkedin.com/in/avery-lin-77" in html


def test_rename_and_remove_a_member(client: Any, refs: list[str], store: Store) -> None:
    cid = relinked(client)
    page = f"/campaigns/{cid}"
    response = post_form(
        client, f"{page}/name", {"name": "Operation <Lantern>"}, page=page, follow_redirects=False
    )
    assert response.status_code == 303
    html = client.get(page).text
    assert '<h1 class="wrap">Operation &lt;Lantern&gt;</h1>' in html
    assert "Named by ana" in html
    response = post_form(
        client,
        f"{page}/remove",
        {"report": refs[2], "position": "0"},
        page=page,
        follow_redirects=False,
    )
    assert response.headers["location"] == page
    assert store.campaign_for(refs[2], 0) is None
    assert refs[2] not in client.get(page).text
    response = post_form(
        client,
        f"{page}/remove",
        {"report": refs[1], "position": "0"},
        page=page,
        follow_redirects=False,
    )
    assert response.headers["location"] == "/campaigns"  # one member left: no campaign
    assert client.get(page).status_code == 404


def test_merge_two_campaigns_from_the_page(client: Any, refs: list[str], store: Store) -> None:
    for who in ("sam", "kim"):
        report(client, who, contact("Casey Moor", first_contact="2026-11-20"))
    page_login(client, "ana")
    store.relink_campaigns(actor="ana")
    first, second = (c.id for c in store.list_campaigns())
    page = f"/campaigns/{first}"
    assert f'<option value="{second}">' in client.get(page).text
    response = post_form(
        client,
        f"{page}/merge",
        {"other": str(second), "note": "one operator"},
        page=page,
        follow_redirects=False,
    )
    assert response.status_code == 303
    (merged,) = store.list_campaigns()
    assert merged.members == 5 and response.headers["location"] == f"/campaigns/{merged.id}"
    assert "merged by an analyst: one operator" in client.get(f"/campaigns/{merged.id}").text


def test_an_alert_made_from_the_campaign_finds_its_members(
    client: Any, refs: list[str], store: Store
) -> None:
    cid = relinked(client)
    page = f"/campaigns/{cid}"
    response = post_form(
        client,
        f"{page}/alert",
        {"title": "Lantern personas", "tlp": "TLP:AMBER", "source": "Test office"},
        page=page,
        follow_redirects=False,
    )
    assert response.status_code == 303
    location = response.headers["location"]
    assert location.startswith("/alerts/")
    alert_id = unquote(location.removeprefix("/alerts/"))
    alert = store.get_alert(alert_id)
    assert (alert.title, alert.tlp, alert.source) == (
        "Lantern personas",
        "TLP:AMBER",
        "Test office",
    )
    assert {i.type for i in alert.indicators} >= {"wechat"}
    assert client.app.state.lurewatch.hunts.wait(timeout=30)  # the hunt runs in the background
    matches = store.alert_matches_for(alert_id)
    assert sorted({m.report for m in matches}) == sorted(refs)
    shown = client.get(location).text
    for ref in refs:
        assert ref in shown
    bad = post_form(client, f"{page}/alert", {"tlp": "TLP:PURPLE"}, page=page)
    assert bad.status_code == 422


def test_the_stix_export_parses_and_names_no_member_of_staff(client: Any, refs: list[str]) -> None:
    cid = relinked(client)
    response = client.get(
        f"/campaigns/{cid}/stix", params={"tlp": "TLP:GREEN", "institution": "Test office"}
    )
    assert response.status_code == 200
    assert "attachment" in response.headers["content-disposition"]
    bundle = stix2.parse(response.text, allow_custom=False)
    kinds = {o.type for o in bundle.objects}
    assert {"campaign", "identity", "indicator", "sighting"} <= kinds
    text = json.dumps(json.loads(response.text))
    for username in ("sam", "kim", "Committee clerks", "Visitor centre"):
        assert username not in text
    assert client.get(f"/campaigns/{cid}/stix", params={"tlp": "red"}).status_code == 422


def test_a_report_joining_a_known_campaign_tops_the_queue_as_high(
    client: Any, refs: list[str], store: Store
) -> None:
    relinked(client)
    late = report(
        client,
        "kim",
        contact(HOSTILE, profile_url=AVERY_URL, company=HOSTILE_FIRM, level="low", score=10),
    )
    stored = store.get_report(late)
    assert (stored.level.value, stored.score) == ("high", 70)
    assert store.campaign_for(late, 0) is not None
    assert csrf_from(client.get("/campaigns").text)


def test_the_demo_campaign_page_shows_five_staff_and_the_fan_out(
    tmp_path: Path, client: Any
) -> None:
    settings = Settings(demo=True)
    with Store.open(f"sqlite:///{tmp_path / 'demo.db'}", migrate=True) as store:
        creds = seed(store, Checker.from_settings(settings), dt.date(2026, 11, 29)) or []
        persona = counterparty_key(CAMPAIGN[1], CAMPAIGN[0])
        refs = [r.reference for r in store.persona_reports(persona)]
        cid = store.campaign_for(refs[0], 0)
        assert cid is not None
        password = next(c.password for c in creds if c.username == "demo-analyst")
        with type(client)(create_app(settings, store)) as demo_client:
            page_login(demo_client, "demo-analyst", password)
            html = demo_client.get(f"/campaigns/{cid}").text
    assert "<strong>5 approaches</strong> to\n  <strong>5 members of staff</strong>" in html
    assert sorted(re.findall(r'<th scope="row"><a href="/reports/([^"]+)">', html)) == sorted(refs)
    fanout = html[html.index('<ul class="fanout">') :]
    fanout = fanout[: fanout.index("</ul>")]
    assert "<strong>Campaign</strong> reached 5 members of staff" in fanout
    assert "demo-clerk-ines (Committee clerks)" in fanout
    graph, _timeline = svgs(html)
    assert len([e for e in graph.iter() if e.tag == SVG_NS + "circle"]) >= 5
