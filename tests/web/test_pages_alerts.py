"""The alerts pages: import or issue an alert, and the retro-hunt over every stored report."""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any
from urllib.parse import quote

import msgspec
import pytest
import sqlalchemy as sa
from websupport import bearer, contact, csrf_from, page_login, post_form

from lurewatch.exchange import load_alert
from lurewatch.exchange.alertfile import alert_to_json
from lurewatch.model import Alert, Indicator, Persona
from lurewatch.store import Store
from lurewatch.store.records import ReportSubmission, SubmittedContact

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = (ROOT / "examples" / "alert.json").read_bytes()
EXAMPLE_ID = load_alert(ROOT / "examples" / "alert.json").id


def submit(store: Store, reporter: str, *contacts: dict[str, Any], exercise: bool = False) -> str:
    """A report stored as a member of staff would send it; its reference."""
    report = store.submit_report(
        ReportSubmission(
            reporter=reporter,
            channel="web",
            contacts=msgspec.convert(contacts, tuple[SubmittedContact, ...]),
            is_exercise=exercise,
        )
    )
    return report.reference


def upload(client: Any, data: bytes, name: str = "alert.json", **kw: Any) -> Any:
    return post_form(
        client,
        "/alerts/import",
        {},
        page="/alerts",
        files={"file": (name, data, "application/octet-stream")},
        **kw,
    )


def issue(client: Any, **fields: str) -> Any:
    form = {
        "title": "Persona seen at the committee (synthetic)",
        "tlp": "TLP:AMBER",
        "source": "Example security office",
        "persona": "Jordan Wei",
        "aliases": "",
        "organisation": "Northwind Talent Partners",
        "profile_url": "https://www.linkedin.com/in/jordan-wei-x",
        "indicators": "",
        "comment": "",
        **fields,
    }
    return post_form(client, "/alerts/issue", form, page="/alerts", follow_redirects=False)


def settle(client: Any) -> None:
    """Wait for the retro-hunts the pages started in the background to end."""
    assert client.app.state.lurewatch.hunts.wait(timeout=30)


def rows_of(page: str, table_class: str) -> list[str]:
    """The body rows of the table with ``table_class``, as text without tags."""
    found = re.search(rf'<table class="{table_class}">(.*?)</table>', page, re.S)
    assert found, f"no {table_class} table on the page"
    body = found.group(1).split("<tbody>", 1)[1]
    rows = re.findall(r"<tr.*?</tr>", body, re.S)
    return [" ".join(html.unescape(re.sub(r"<[^>]+>", " ", r)).split()) for r in rows]


# -- who may use the pages -----------------------------------------------------------------


def test_the_alerts_pages_are_for_analysts(client: Any, store: Store) -> None:
    assert client.get("/alerts", follow_redirects=False).headers["location"] == (
        "/login?next=/alerts"
    )
    page_login(client, "sam")
    assert client.get("/alerts").status_code == 403
    token = csrf_from(client.get("/login").text)
    refused = client.post(
        "/alerts/import",
        data={"csrf_token": token},
        files={"file": ("alert.json", EXAMPLE, "application/json")},
    )
    assert refused.status_code == 403
    assert store.list_alerts() == []
    client.cookies.clear()
    page_login(client, "ana")
    assert client.get("/alerts").status_code == 200


def test_forms_without_the_csrf_token_are_refused(client: Any, store: Store) -> None:
    page_login(client, "ana")
    client.get("/alerts")
    no_token = client.post(
        "/alerts/import", files={"file": ("alert.json", EXAMPLE, "application/json")}
    )
    assert no_token.status_code == 403
    assert client.post("/alerts/issue", data={"title": "x", "persona": "y"}).status_code == 403
    assert upload(client, EXAMPLE, follow_redirects=False).status_code == 303
    assert client.post(f"/alerts/{quote(EXAMPLE_ID)}/hunt", data={}).status_code == 403
    assert [a.alert_id for a in store.list_alerts()] == [EXAMPLE_ID]


# -- importing -----------------------------------------------------------------------------


def test_an_imported_alert_flags_a_past_report_and_lists_its_reporter(
    client: Any, store: Store
) -> None:
    reference = submit(
        store,
        "sam",
        contact("Amanda Qiu", profile_url=None, company="BP-YR Executive Search"),
        contact("Avery Lin"),
    )
    page_login(client, "ana")
    response = upload(client, EXAMPLE, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == f"/alerts/{quote(EXAMPLE_ID, safe='')}"
    settle(client)
    page = client.get(response.headers["location"]).text
    assert rows_of(page, "alert-matches") == [
        "STRONG sam Committee clerks Amanda Qiu BP-YR Executive Search Amanda Qiu "
        "29 Nov 2026, 09:00 name: Amanda Qiu ~ Amanda Qiu: same name "
        "organisation: BP-YR Executive Search ~ BR-YR Executive Search: "
        f"same organisation, one letter apart (a misprint?) {reference}"
    ]
    assert f'href="/reports/{reference}"' in page
    # The alert and its indicator carry TLP badges, as markup (not escaped text).
    assert page.count('<span class="badge tlp tlp-amber">TLP:AMBER</span>') == 2
    for fmt in ("stix", "misp", "json"):
        assert f'href="/api/alerts/{EXAMPLE_ID}/export?format={fmt}"' in page
    listing = client.get("/alerts").text
    assert "1 strong" in rows_of(listing, "alerts")[0]
    assert '<span class="badge tlp tlp-amber">TLP:AMBER</span>' in listing
    assert [a.action for a in store.audit_entries(limit=1000)][-2:] == [
        "alert.import",
        "alert.hunt",
    ]


def test_exercises_are_marked_and_running_again_finds_new_reports(
    client: Any, store: Store
) -> None:
    page_login(client, "ana")
    upload(client, EXAMPLE)
    settle(client)
    path = f"/alerts/{quote(EXAMPLE_ID, safe='')}"
    assert "No stored report names a contact" in client.get(path).text
    submit(store, "kim", contact("Qiu Amanda", company="BR-YR Executive Search"), exercise=True)
    again = post_form(client, f"{path}/hunt", {}, page=path, follow_redirects=False)
    assert again.status_code == 303
    settle(client)
    page = client.get(path).text
    [row] = rows_of(page, "alert-matches")
    assert row.startswith("STRONG exercise kim Visitor centre Qiu Amanda")
    assert 'class="alert-match-exercise"' in page


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"{not json", "alert.json", "alert.json: not valid JSON"),
        (b"type,nothing\nx,y\n", "feed.csv", "feed.csv: expected a header row"),
        (b"", "empty.json", "empty.json: the file is empty"),
    ],
)
def test_a_bad_file_gives_the_page_again_with_one_line(
    client: Any, store: Store, data: bytes, name: str, message: str
) -> None:
    page_login(client, "ana")
    response = upload(client, data, name)
    assert response.status_code == 400
    assert "text/html" in response.headers["content-type"]
    errors = re.findall(r'<p class="error" role="alert">(.*?)</p>', response.text, re.S)
    assert len(errors) == 1 and "\n" not in errors[0]
    assert html.unescape(errors[0]).startswith(message)
    assert 'action="/alerts/import"' in response.text
    assert store.list_alerts() == []


def test_no_file_chosen_is_a_400(client: Any) -> None:
    page_login(client, "ana")
    token = csrf_from(client.get("/alerts").text)
    response = client.post("/alerts/import", data={"csrf_token": token})
    assert response.status_code == 400
    assert "Choose an alert file to import." in response.text


# -- issuing -------------------------------------------------------------------------------


def test_an_issued_alert_finds_a_report_by_profile_address(client: Any, store: Store) -> None:
    reference = submit(
        store,
        "sam",
        contact(
            "J. W.",
            profile_url="https://uk.linkedin.com/in/jordan-wei-x/?trk=public",
            company="Someone Else Ltd",
        ),
    )
    page_login(client, "ana")
    response = issue(client, indicators="wechat: jw_talent\nphone: +44 20 7946 0000")
    assert response.status_code == 303
    [summary] = store.list_alerts()
    assert response.headers["location"] == f"/alerts/{quote(summary.alert_id, safe='')}"
    alert = store.get_alert(summary.alert_id)
    [persona] = alert.personas
    assert (persona.name, persona.company, persona.profile_url) == (
        "Jordan Wei",
        "Northwind Talent Partners",
        "https://www.linkedin.com/in/jordan-wei-x",
    )
    assert [(i.type, i.value, i.persona, i.tlp) for i in alert.indicators] == [
        ("wechat", "jw_talent", persona.id, "TLP:AMBER"),
        ("phone", "+44 20 7946 0000", persona.id, "TLP:AMBER"),
    ]
    settle(client)
    [match] = store.alert_matches_for(summary.alert_id)
    assert (match.report, match.strength, match.persona) == (reference, "strong", "Jordan Wei")
    page = client.get(response.headers["location"]).text
    assert rows_of(page, "alert-matches")[0].startswith("STRONG sam Committee clerks J. W.")


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"indicators": "jw_talent"}, "Indicators, line 1: write one per line as type: value"),
        ({"indicators": "fax: 123"}, "Indicators, line 1: unknown type 'fax'"),
        ({"persona": ""}, "Name the persona the alert is about."),
        ({"tlp": "TLP:PURPLE"}, "Choose a TLP label"),
    ],
)
def test_an_issue_form_with_a_mistake_comes_back_filled_in(
    client: Any, store: Store, fields: dict[str, str], message: str
) -> None:
    page_login(client, "ana")
    response = issue(client, title="Kept title (synthetic)", **fields)
    assert response.status_code == 422
    assert message in html.unescape(response.text)
    assert 'value="Kept title (synthetic)"' in response.text
    assert store.list_alerts() == []


def test_an_alert_id_with_colons_and_slashes_has_working_pages(client: Any, store: Store) -> None:
    alert = Alert(
        id="urn:example:alert/2026:11",
        title="Odd id (synthetic)",
        personas=(Persona(id="amanda-qiu", name="Amanda Qiu", company="BR-YR Executive Search"),),
    )
    store.import_alert(alert, actor="ana")
    submit(store, "sam", contact("Amanda Qiu", company="BP-YR Executive Search"))
    page_login(client, "ana")
    path = f"/alerts/{quote(alert.id, safe='')}"
    assert f'href="{path}"' in client.get("/alerts").text
    page = client.get(path).text
    assert f'action="{path}/hunt"' in page
    assert post_form(client, f"{path}/hunt", {}, page=path).status_code == 200
    settle(client)
    assert len(rows_of(client.get(path).text, "alert-matches")) == 1


# -- hostile text --------------------------------------------------------------------------

HOSTILE = ("<script>alert(1)</script>", '" onerror="alert(2)', "javascript:alert(3)")


def test_hostile_alert_and_contact_text_is_only_ever_shown_escaped(
    client: Any, store: Store
) -> None:
    alert = Alert(
        id='evil"<b>',
        title="<script>alert('title')</script>",
        source='<img src=x onerror="alert(4)">',
        personas=(
            Persona(
                id="p",
                name="<script>alert(1)</script> Qiu",
                company='" onerror="alert(2)',
                profile_url="javascript:alert(3)",
            ),
        ),
        indicators=(
            Indicator(type="email", value="x@evil.example", persona="p"),
            Indicator(type="handle", value="onerror=alert(5)", comment="<script>c</script>"),
        ),
    )
    store.import_alert(alert, actor="ana")
    submit(
        store,
        "sam",
        contact(
            "<script>alert(6)</script>",
            profile_url="javascript:alert(7)",
            company='" onerror="alert(8)',
            items=[{"kind": "message", "excerpt": "write to x@evil.example"}],
        ),
    )
    page_login(client, "ana")
    upload(client, alert_to_json(alert))  # imported again through the page: hunted too
    settle(client)
    pages = [client.get("/alerts").text, client.get(f"/alerts/{quote(alert.id, safe='')}").text]
    assert "alert(6)" in pages[1]  # the hostile contact was matched and is listed
    for page in pages:
        assert "<script>" not in page.replace('<script src="', "")
        assert "<img" not in page
        assert 'onerror="' not in page
        assert 'href="javascript:' not in page
        assert "<b>" not in page
    assert "&lt;script&gt;alert(6)&lt;/script&gt;" in pages[1]
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Qiu" in pages[1]


# -- the API -------------------------------------------------------------------------------


def test_the_api_import_hunts_and_the_matches_can_be_read_and_rerun(
    client: Any, store: Store
) -> None:
    reference = submit(store, "sam", contact("Amanda Qiu", company="BP-YR Executive Search"))
    imported = client.post("/api/alerts", content=EXAMPLE, headers=bearer("ana"))
    assert imported.status_code == 201
    assert (imported.json()["strong_matches"], imported.json()["possible_matches"]) == (1, 0)
    path = f"/api/alerts/{quote(EXAMPLE_ID, safe='')}"
    matches = client.get(f"{path}/matches", headers=bearer("ana")).json()
    assert [(m["report"], m["strength"], m["persona"], m["reporter"]) for m in matches] == [
        (reference, "strong", "Amanda Qiu", "sam")
    ]
    rerun = client.post(f"{path}/hunt", headers=bearer("ana"))
    assert rerun.status_code == 200
    assert rerun.json()[0]["agreed"] == matches[0]["agreed"]
    assert client.post(f"{path}/hunt", headers=bearer("sam")).status_code == 403
    assert client.get(f"{path}/matches", headers=bearer("sam")).status_code == 403
    missing = client.get("/api/alerts/nope/matches", headers=bearer("ana"))
    assert missing.status_code == 404


def test_a_report_sent_after_the_alert_is_flagged_on_arrival(client: Any, store: Store) -> None:
    assert client.post("/api/alerts", content=EXAMPLE, headers=bearer("ana")).status_code == 201
    sent = client.post(
        "/api/reports",
        json={
            "channel": "cli",
            "contacts": [contact("Amanda Shu", company="BR-YR Executive Search Ltd")],
        },
        headers=bearer("sam"),
    )
    assert sent.status_code == 201
    [match] = store.matches_for_report(sent.json()["reference"])
    assert (match.alert_id, match.strength, match.persona) == (EXAMPLE_ID, "strong", "Amanda Qiu")


def test_a_failing_hunt_never_fails_a_committed_report(client: Any, store: Store) -> None:
    store.import_alert(load_alert(ROOT / "examples" / "alert.json"), actor="ana")
    with store.engine.begin() as conn:  # an alert the store can no longer read
        conn.execute(sa.text("UPDATE alerts SET body = '{broken'"))
    sent = client.post(
        "/api/reports", json={"channel": "cli", "contacts": [contact()]}, headers=bearer("sam")
    )
    assert sent.status_code == 201
    assert store.get_report(sent.json()["reference"]).contacts[0].name == "Avery Lin"
