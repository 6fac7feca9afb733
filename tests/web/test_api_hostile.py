"""Adversary-written text goes in and comes back as JSON strings: data, never markup."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

import msgspec
import pytest
from websupport import bearer, contact

from lurewatch.store.records import SubmittedContact

SCRIPT = "<script>alert('name')</script>"
ONERROR = '"><img src=x onerror="alert(1)">'
JS_URL = "javascript:alert(document.cookie)//linkedin.com/in/x"
HOSTILE = contact(
    SCRIPT,
    company=ONERROR,
    position="</textarea><svg onload=alert(1)>",
    profile_url=JS_URL,
    items=[
        {
            "kind": "message",
            "date": "2026-09-10",
            "excerpt": '<a href="javascript:alert(1)">click</a> {{7*7}} ${7*7}',
            "subject": "<iframe srcdoc='<script>alert(1)</script>'>",
        }
    ],
    context=["You replied <b onmouseover=alert(1)>once</b>"],
)


def assert_inert(response: Any) -> Any:
    """A JSON response no browser would render or run, decoded."""
    assert response.headers["content-type"] == "application/json"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert (
        response.headers["content-security-policy"] == "default-src 'none'; frame-ancestors 'none'"
    )
    return json.loads(response.content)


@pytest.fixture
def reference(client: Any) -> str:
    response = client.post("/api/reports", json={"contacts": [HOSTILE]}, headers=bearer("sam"))
    assert response.status_code == 201, response.text
    return str(response.json()["reference"])


def test_hostile_contacts_round_trip_exactly(client: Any, reference: str) -> None:
    sent = json.loads(msgspec.json.encode(msgspec.convert(HOSTILE, SubmittedContact)))
    for user in ("sam", "ana"):
        report = assert_inert(client.get(f"/api/reports/{reference}", headers=bearer(user)))
        assert report["contacts"] == [sent]


def test_hostile_names_come_back_as_data_from_every_view(client: Any, reference: str) -> None:
    personas = assert_inert(client.get("/api/personas", headers=bearer("ana")))
    assert [p["name"] for p in personas] == [SCRIPT]
    persona = assert_inert(
        client.get(f"/api/personas/{quote(personas[0]['key'])}", headers=bearer("ana"))
    )
    assert (persona["name"], persona["observations"][0]["company"]) == (SCRIPT, ONERROR)
    found = assert_inert(client.get("/api/search", params={"q": "script"}, headers=bearer("ana")))
    assert [p["name"] for p in found["personas"]] == [SCRIPT]
    assert [r["reference"] for r in found["reports"]] == [reference]


def test_hostile_text_in_a_url_comes_back_in_a_json_error(client: Any) -> None:
    response = client.get(f"/api/reports/{quote(ONERROR)}", headers=bearer("ana"))
    assert response.status_code == 404
    assert assert_inert(response) == {"message": f"no report {ONERROR!r}"}


def test_hostile_alerts_come_back_as_data(client: Any) -> None:
    alert = {
        "id": "a-1",
        "title": SCRIPT,
        "personas": [{"id": "p", "name": ONERROR, "profile_url": JS_URL}],
        "indicators": [{"type": "website", "value": JS_URL, "persona": "p"}],
    }
    response = client.post("/api/alerts", json=alert, headers=bearer("ana"))
    assert response.status_code == 201, response.text
    assert assert_inert(client.get("/api/alerts", headers=bearer("ana")))[0]["title"] == SCRIPT
    exported = client.get("/api/alerts/a-1/export?format=json", headers=bearer("ana"))
    assert json.loads(exported.content)["personas"][0]["name"] == ONERROR
    assert exported.headers["content-security-policy"].startswith("default-src 'none'")


def test_a_hostile_verdict_comes_back_as_data(client: Any, reference: str) -> None:
    text = f"{SCRIPT} {ONERROR}"
    client.post(
        f"/api/reports/{reference}/verdict",
        json={"template": "received", "text": text},
        headers=bearer("ana"),
    )
    seen = assert_inert(client.get(f"/api/reports/{reference}", headers=bearer("sam")))
    assert seen["verdict_text"] == text
