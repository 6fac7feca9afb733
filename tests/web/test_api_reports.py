"""Reports over the API: submit, acknowledge only what is stored, list, see, give verdicts."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest
from websupport import T0, bearer, contact

from lurewatch.store import Store
from lurewatch.store.records import SubmittedContact


def submit(client: Any, user: str = "sam", **body: Any) -> Any:
    body.setdefault("contacts", [contact()])
    return client.post("/api/reports", json=body, headers=bearer(user))


def test_a_submission_is_acknowledged_with_a_reference_once_stored(
    client: Any, store: Store
) -> None:
    sent = contact()
    response = submit(client, contacts=[sent], channel="cli")
    assert response.status_code == 201, response.text
    receipt = response.json()
    assert receipt == {
        "reference": "LW-2026-000001",
        "received_at": "2026-11-29T09:00:00Z",
        "status": "received",
        "is_exercise": False,
    }
    assert response.headers["location"] == "/api/reports/LW-2026-000001"
    stored = store.get_report("LW-2026-000001")
    assert stored.reporter == "sam"
    assert stored.channel == "cli"
    assert stored.received_at == T0
    assert stored.contacts == (msgspec.convert(sent, SubmittedContact),)


def test_the_reporter_is_whoever_is_authenticated_never_the_body(client: Any) -> None:
    response = submit(client, reporter="adam")
    assert response.status_code == 422
    assert response.json()["message"].startswith("reporter:")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"contacts": []}, "contacts"),
        ({"contacts": [{"name": "x", "level": "severe", "score": 1}]}, "contacts"),
        ({"contacts": [contact()], "channel": "pigeon"}, "channel"),
        ({"contacts": [contact()], "is_exercise": "maybe"}, "is_exercise"),
        ({}, "contacts"),
    ],
)
def test_invalid_submissions_say_which_field(client: Any, body: dict[str, Any], field: str) -> None:
    response = client.post("/api/reports", json=body, headers=bearer("sam"))
    assert response.status_code == 422
    data = response.json()
    assert data["message"].startswith(f"{field}:")
    assert data["errors"][0]["field"] == field


def test_a_body_that_is_not_json_is_refused_as_json(client: Any) -> None:
    response = client.post(
        "/api/reports",
        content=b"{not json",
        headers={**bearer("sam"), "Content-Type": "application/json"},
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/json"
    assert "message" in response.json()


def test_an_exercise_is_marked_as_such(client: Any, store: Store) -> None:
    reference = submit(client, is_exercise=True).json()["reference"]
    assert store.get_report(reference).is_exercise


def test_reporters_see_only_their_own_reports(client: Any) -> None:
    mine = submit(client, "sam").json()["reference"]
    theirs = submit(client, "kim").json()["reference"]
    listed = client.get("/api/reports", headers=bearer("sam")).json()
    assert [r["reference"] for r in listed] == [mine]
    assert client.get(f"/api/reports/{mine}", headers=bearer("sam")).status_code == 200
    hidden = client.get(f"/api/reports/{theirs}", headers=bearer("sam"))
    missing = client.get("/api/reports/LW-2026-999999", headers=bearer("sam"))
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json()["message"] == f"no report {theirs!r}"


def test_a_reporter_sees_status_and_verdict_text_but_not_analyst_fields(client: Any) -> None:
    reference = submit(client).json()["reference"]
    verdict = client.post(
        f"/api/reports/{reference}/verdict",
        json={"template": "confirmed-hostile", "status": "closed"},
        headers=bearer("ana"),
    )
    assert verdict.status_code == 200, verdict.text
    assert verdict.json()["verdict_key"] == "confirmed-hostile"
    seen = client.get(f"/api/reports/{reference}", headers=bearer("sam")).json()
    assert seen["status"] == "closed"
    assert seen["verdict_text"] == "confirmed hostile: do not engage, we have blocked it"
    assert seen["verdict_at"] == "2026-11-29T09:00:00Z"
    assert not {"reporter", "assessment", "verdict_key", "case_ids"} & set(seen)
    full = client.get(f"/api/reports/{reference}", headers=bearer("ana")).json()
    assert full["reporter"] == "sam"
    assert full["case_ids"] == []
    assert set(full) > set(seen)


def test_a_verdict_can_carry_its_own_wording(client: Any, store: Store) -> None:
    reference = submit(client).json()["reference"]
    response = client.post(
        f"/api/reports/{reference}/verdict",
        json={"template": "looks-legitimate", "text": "A real recruiter: we checked."},
        headers=bearer("ana"),
    )
    assert response.status_code == 200
    assert store.get_report(reference).verdict_text == "A real recruiter: we checked."


def test_a_verdict_with_an_unknown_template_is_404(client: Any) -> None:
    reference = submit(client).json()["reference"]
    response = client.post(
        f"/api/reports/{reference}/verdict", json={"template": "nope"}, headers=bearer("ana")
    )
    assert response.status_code == 404
    assert response.json() == {"message": "no verdict template 'nope'"}


def test_analysts_filter_and_order_the_queue(client: Any, clock: Any) -> None:
    refs = {}
    for name, level, score, exercise in [
        ("Low One", "low", 10, False),
        ("High One", "high", 95, False),
        ("Medium One", "medium", 55, False),
        ("High Drill", "high", 80, True),
    ]:
        clock.advance(minutes=1)
        response = submit(
            client,
            contacts=[contact(name, level=level, score=score)],
            is_exercise=exercise,
        )
        refs[name] = response.json()["reference"]

    def listed(**params: Any) -> list[str]:
        response = client.get("/api/reports", params=params, headers=bearer("ana"))
        assert response.status_code == 200, response.text
        by_ref = {v: k for k, v in refs.items()}
        return [by_ref[r["reference"]] for r in response.json()]

    assert listed() == ["High Drill", "Medium One", "High One", "Low One"]
    assert listed(order="score") == ["High One", "High Drill", "Medium One", "Low One"]
    assert listed(level="high") == ["High Drill", "High One"]
    assert listed(exercise="false") == ["Medium One", "High One", "Low One"]
    assert listed(exercise="true") == ["High Drill"]
    assert listed(level="high", exercise="false", order="score") == ["High One"]
    assert listed(order="score", limit=2, offset=1) == ["High Drill", "Medium One"]
    assert listed(status="closed") == []
    bad = client.get("/api/reports", params={"level": "severe"}, headers=bearer("ana"))
    assert bad.status_code == 422
    assert bad.json()["message"].startswith("level:")


def test_analysts_order_the_queue_by_priority(client: Any, clock: Any) -> None:
    """priority = score x the reporter's team sensitivity: a committee clerk (3.0)
    outranks a visitor-centre guide (1.0) for the same message; ties newest first."""
    same = contact("Avery Lin", level="medium", score=55)
    clerk = submit(client, "sam", contacts=[same]).json()["reference"]
    clock.advance(minutes=1)
    guide = submit(client, "kim", contacts=[same]).json()["reference"]
    clock.advance(minutes=1)
    louder = submit(client, "kim", contacts=[contact("Tom Hughes", score=91)]).json()
    clock.advance(minutes=1)
    drill = submit(client, "sam", contacts=[same], is_exercise=True).json()["reference"]

    def listed(**params: Any) -> list[str]:
        response = client.get("/api/reports", params=params, headers=bearer("ana"))
        assert response.status_code == 200, response.text
        return [r["reference"] for r in response.json()]

    assert listed(order="priority") == [drill, clerk, louder["reference"], guide]
    assert listed(order="priority", exercise="false") == [clerk, louder["reference"], guide]
    assert listed(order="priority", level="medium", exercise="false") == [clerk, guide]
    assert listed(order="score", exercise="false") == [louder["reference"], guide, clerk]
    bad = client.get("/api/reports", params={"order": "loudest"}, headers=bearer("ana"))
    assert bad.status_code == 422


def test_verdict_templates_are_listed_for_analysts(client: Any) -> None:
    keys = [t["key"] for t in client.get("/api/verdict-templates", headers=bearer("ana")).json()]
    assert {"received", "confirmed-hostile", "looks-legitimate"} <= set(keys)


MAX = 5 * 1024 * 1024


def test_an_oversize_body_is_refused_with_413_before_it_is_read(client: Any, store: Store) -> None:
    big = contact(company="x" * MAX)
    response = submit(client, contacts=[big])
    assert response.status_code == 413
    assert response.json()["message"].startswith("request body over 5,242,880 bytes")
    assert store.list_reports() == []


def test_an_oversize_body_without_a_length_is_cut_off_with_413(client: Any, store: Store) -> None:
    def chunks() -> Any:
        yield b'{"contacts": [{"name": "x", "level": "low", "score": 1, "company": "'
        for _ in range(MAX // 65536 + 1):
            yield b"x" * 65536
        yield b'"}]}'

    response = client.post(
        "/api/reports",
        content=chunks(),
        headers={**bearer("sam"), "Content-Type": "application/json"},
    )
    assert response.status_code == 413
    assert "message" in response.json()
    assert store.list_reports() == []


def test_a_body_just_under_the_limit_is_accepted(client: Any) -> None:
    response = submit(client, contacts=[contact(company="x" * (MAX - 10_000))])
    assert response.status_code == 201
