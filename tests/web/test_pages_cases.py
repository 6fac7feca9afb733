"""The case pages: the list with its filters, one case, and every action on it, audited."""

from __future__ import annotations

import itertools
import re
from typing import Any

import pytest
from test_pages_triage import SCRIPT, submit
from websupport import Clock, contact, page_login, post_form

from lurewatch.store import Store
from lurewatch.store.records import CaseDraft

_CASE_LINK = re.compile(r'<a href="/cases/(\d+)">')


@pytest.fixture
def ana(client: Any) -> Any:
    page_login(client, "ana")
    return client


def actions(store: Store, target: str) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (e.actor, e.action, e.details)
        for e in store.audit_entries(limit=1000)
        if e.target == target
    ]


@pytest.mark.parametrize("path", ["/cases", "/cases/1"])
def test_anonymous_people_log_in_and_reporters_are_refused(
    client: Any, store: Store, path: str
) -> None:
    store.create_case(CaseDraft(title="Persona"), actor="ana")
    response = client.get(path, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == f"/login?next={path}"
    page_login(client, "kim")
    refused = client.get(path)
    assert refused.status_code == 403
    assert "Persona" not in refused.text


def test_the_list_filters_by_status_and_assignee(ana: Any, store: Store, clock: Clock) -> None:
    first = store.create_case(CaseDraft(title="First persona"), actor="ana")
    clock.advance(minutes=1)
    second = store.create_case(CaseDraft(title="Second persona", assignee="adam"), actor="ana")
    clock.advance(minutes=1)
    store.set_case_status(first.id, "TruePositive", actor="ana")

    def ids(url: str) -> list[int]:
        response = ana.get(url)
        assert response.status_code == 200, response.text
        return [int(i) for i in _CASE_LINK.findall(response.text)]

    assert ids("/cases") == [first.id, second.id]  # most recently updated first
    assert ids("/cases?status=TruePositive") == [first.id]
    assert ids("/cases?status=New") == [second.id]
    assert ids("/cases?assignee=adam") == [second.id]
    assert ids("/cases?assignee=ana") == []
    assert "No cases match these filters." in ana.get("/cases?assignee=ana").text
    assert ana.get("/cases?status=Closed").status_code == 422


def test_opening_a_case_from_the_list(ana: Any, store: Store) -> None:
    response = post_form(
        ana,
        "/cases",
        {"title": "Think-tank persona", "description": "", "severity": "low", "tlp": "TLP:RED"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    case = store.get_case(int(response.headers["location"].removeprefix("/cases/")))
    assert (case.title, case.severity, case.tlp, case.status) == (
        "Think-tank persona",
        "low",
        "TLP:RED",
        "New",
    )


def test_the_case_page_shows_fields_notes_and_linked_reports_with_evidence(
    ana: Any, store: Store
) -> None:
    ref = submit(store, "sam").reference
    case = store.create_case(
        CaseDraft(
            title="Bright Path persona",
            description="Two reports so far.",
            tags=("persona", "wechat"),
            reports=(ref,),
        ),
        actor="ana",
    )
    store.add_case_note(case.id, "Same handle as in the alert.", actor="adam")
    html = ana.get(f"/cases/{case.id}").text
    assert "<h1>Case #1: Bright Path persona</h1>" in html
    assert "Two reports so far." in html
    assert '<span class="tag">persona</span><span class="tag">wechat</span>' in html
    assert "<strong>adam</strong>, 29 Nov 2026, 09:00" in html
    assert "Same handle as in the alert." in html
    assert f'<a href="/reports/{ref}">Report {ref}</a>' in html
    assert "An important client <mark>pays USD 1,500</mark>" in html
    assert "<td>Offers money for reports</td>" in html
    # Headings in order: the linked report's contacts sit under its h3.
    levels = [int(h) for h in re.findall(r"<h([1-6])[ >]", html)]
    assert levels[0] == 1
    assert all(b - a <= 1 for a, b in itertools.pairwise(levels))
    assert ana.get("/cases/999").status_code == 404


def test_moving_a_case_to_true_positive_assigning_noting_and_editing(
    ana: Any, store: Store, clock: Clock
) -> None:
    case = store.create_case(CaseDraft(title="Persona"), actor="adam")
    page = f"/cases/{case.id}"

    response = post_form(
        ana, f"{page}/status", {"status": "TruePositive"}, follow_redirects=False, page=page
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"{page}?done=status"
    assert store.get_case(case.id).status == "TruePositive"

    done = post_form(ana, f"{page}/assign", {"assignee": "ana"}, page=page)
    assert "Assignee changed." in done.text
    assert store.get_case(case.id).assignee == "ana"
    post_form(ana, f"{page}/assign", {"assignee": ""}, page=page)
    assert store.get_case(case.id).assignee is None
    refused = post_form(ana, f"{page}/assign", {"assignee": "sam"}, page=page)
    assert refused.status_code == 422
    assert "only active analysts and admins" in refused.text

    clock.advance(minutes=1)
    post_form(ana, f"{page}/notes", {"text": "Blocked the WeChat handle."}, page=page)
    (note,) = store.get_case(case.id).notes
    assert (note.author, note.text) == ("ana", "Blocked the WeChat handle.")
    assert post_form(ana, f"{page}/notes", {"text": "  "}, page=page).status_code == 422

    post_form(
        ana,
        f"{page}/update",
        {"severity": "critical", "tlp": "TLP:RED", "pap": "PAP:RED", "tags": "persona, wechat,"},
        page=page,
    )
    updated = store.get_case(case.id)
    assert (updated.severity, updated.tlp, updated.pap, updated.tags) == (
        "critical",
        "TLP:RED",
        "PAP:RED",
        ("persona", "wechat"),
    )
    assert [(actor, action) for actor, action, _ in actions(store, f"case:{case.id}")] == [
        ("adam", "case.create"),
        ("ana", "case.status"),
        ("ana", "case.assign"),
        ("ana", "case.assign"),
        ("ana", "case.note"),
        ("ana", "case.update"),
    ]
    assert store.verify_audit().ok


def test_linking_a_report_by_reference(ana: Any, store: Store) -> None:
    ref = submit(store, "kim").reference
    case = store.create_case(CaseDraft(title="Persona"), actor="ana")
    page = f"/cases/{case.id}"
    response = post_form(ana, f"{page}/reports", {"reference": ref.lower()}, page=page)
    assert response.status_code == 200
    assert "Report linked." in response.text
    assert store.get_case(case.id).reports == (ref,)
    assert store.get_report(ref).status == "in_review"
    missing = post_form(ana, f"{page}/reports", {"reference": "LW-2026-999999"}, page=page)
    assert missing.status_code == 404
    assert store.get_case(case.id).reports == (ref,)


def test_case_forms_without_the_csrf_token_are_refused(ana: Any, store: Store) -> None:
    case = store.create_case(CaseDraft(title="Persona"), actor="ana")
    for path, data in (
        ("/cases", {"title": "x"}),
        (f"/cases/{case.id}/status", {"status": "TruePositive"}),
        (f"/cases/{case.id}/assign", {"assignee": "ana"}),
        (f"/cases/{case.id}/notes", {"text": "x"}),
        (f"/cases/{case.id}/update", {"severity": "low", "tlp": "TLP:RED", "pap": "PAP:RED"}),
        (f"/cases/{case.id}/reports", {"reference": "LW-2026-000001"}),
    ):
        response = ana.post(path, data={**data, "csrf_token": "0" * 64})
        assert response.status_code == 403, path
    after = store.get_case(case.id)
    assert (after.status, after.assignee, after.notes, after.severity) == (
        "New",
        None,
        (),
        "medium",
    )
    assert len(store.list_cases()) == 1


def test_hostile_text_in_a_case_and_its_reports_is_only_ever_escaped(
    ana: Any, store: Store
) -> None:
    ref = submit(
        store,
        "sam",
        contact(
            name=SCRIPT,
            company='<img src=x onerror="alert(1)">',
            profile_url="javascript:alert(1)",
            items=[{"kind": "message", "excerpt": f"pays USD 1,500 {SCRIPT}"}],
        ),
    ).reference
    case = store.create_case(
        CaseDraft(title=f"Title {SCRIPT}", tags=(SCRIPT,), reports=(ref,)), actor="ana"
    )
    store.add_case_note(case.id, f'<a href="javascript:alert(1)">{SCRIPT}</a>', actor="ana")
    for html in (ana.get(f"/cases/{case.id}").text, ana.get("/cases").text):
        assert "<script>" not in html
        assert "<img" not in html
        assert 'href="javascript:' not in html
        assert "&lt;script&gt;" in html
