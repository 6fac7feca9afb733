"""Cases, personas, search and administration over the API."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from websupport import PASSWORD, bearer, contact

from lurewatch.store import Store
from lurewatch.web.sessions import COOKIE_NAME


def submit(client: Any, user: str = "sam", *contacts: dict[str, Any]) -> str:
    response = client.post(
        "/api/reports", json={"contacts": list(contacts) or [contact()]}, headers=bearer(user)
    )
    assert response.status_code == 201, response.text
    return str(response.json()["reference"])


# -- cases ---------------------------------------------------------------------------------


def test_a_case_is_opened_worked_and_closed(client: Any, store: Store) -> None:
    reference = submit(client)
    created = client.post(
        "/api/cases",
        json={"title": "Avery Lin approaches", "severity": "high", "tags": ["linkedin"]},
        headers=bearer("ana"),
    )
    assert created.status_code == 201, created.text
    case = created.json()
    assert (case["status"], case["created_by"], case["reports"]) == ("New", "ana", [])
    case_id = case["id"]

    def post(action: str, body: dict[str, Any]) -> Any:
        response = client.post(f"/api/cases/{case_id}/{action}", json=body, headers=bearer("ana"))
        assert response.status_code in (200, 201), response.text
        return response.json()

    assert post("reports", {"reference": reference})["reports"] == [reference]
    assert post("assign", {"assignee": "ana"})["assignee"] == "ana"
    note = post("notes", {"text": "Blocked on the firewall."})
    assert (note["author"], note["text"]) == ("ana", "Blocked on the firewall.")
    assert post("status", {"status": "TruePositive"})["status"] == "TruePositive"
    assert post("assign", {"assignee": None})["assignee"] is None

    full = client.get(f"/api/cases/{case_id}", headers=bearer("ana")).json()
    assert [n["text"] for n in full["notes"]] == ["Blocked on the firewall."]
    listed = client.get("/api/cases", params={"status": "TruePositive"}, headers=bearer("ana"))
    assert [(c["id"], c["reports"]) for c in listed.json()] == [(case_id, 1)]
    # Linking moved the report on; its reporter sees it is being looked at.
    mine = client.get(f"/api/reports/{reference}", headers=bearer("sam")).json()
    assert mine["status"] == "in_review"
    actions = [e.action for e in store.audit_entries()]
    assert actions[-5:] == [
        "case.link_report",
        "case.assign",
        "case.note",
        "case.status",
        "case.assign",
    ]


def test_case_errors_are_json(client: Any) -> None:
    missing = client.get("/api/cases/999", headers=bearer("ana"))
    assert (missing.status_code, missing.json()) == (404, {"message": "no case 999"})
    bad = client.post("/api/cases/999/status", json={"status": "Done"}, headers=bearer("ana"))
    assert bad.status_code == 422
    assert bad.json()["message"].startswith("status:")
    tlp = client.post("/api/cases", json={"title": "t", "tlp": "red"}, headers=bearer("ana"))
    assert tlp.status_code == 422
    assert "TLP" in tlp.json()["message"]
    not_int = client.get("/api/cases/abc", headers=bearer("ana"))
    assert not_int.status_code == 422


# -- personas and search -----------------------------------------------------------------


def test_personas_gather_observations_across_reports(client: Any, clock: Any) -> None:
    first = submit(client, "sam", contact("Avery Lin", company="Bright Path"))
    clock.advance(days=1)
    second = submit(
        client,
        "kim",
        contact("Avery Lin", company="BP Search", score=70, level="medium"),
        contact("Tom Hughes", level="low", score=5),
    )
    listed = client.get("/api/personas", headers=bearer("ana")).json()
    avery = next(p for p in listed if p["name"] == "Avery Lin")
    assert (avery["reports"], avery["observations"], avery["max_score"]) == (2, 2, 91)
    assert avery["key"] == "url:linkedin.com/in/avery-lin"
    detail = client.get(f"/api/personas/{quote(avery['key'])}", headers=bearer("ana"))
    assert detail.status_code == 200, detail.text
    observed = [(o["report"], o["company"], o["score"]) for o in detail.json()["observations"]]
    assert observed == [(first, "Bright Path", 91), (second, "BP Search", 70)]
    missing = client.get("/api/personas/url:nowhere", headers=bearer("ana"))
    assert missing.status_code == 404


def test_search_finds_reports_and_personas_by_name_company_address_and_reference(
    client: Any,
) -> None:
    avery = submit(client, "sam", contact("Avery Lin", company="Bright Path Executive Search"))
    tom = submit(client, "kim", contact("Tom Hughes", company="House of Commons Library"))

    def found(q: str) -> tuple[list[str], list[str]]:
        response = client.get("/api/search", params={"q": q}, headers=bearer("ana"))
        assert response.status_code == 200, response.text
        data = response.json()
        assert data["query"] == q
        return [r["reference"] for r in data["reports"]], [p["name"] for p in data["personas"]]

    assert found("avery") == ([avery], ["Avery Lin"])
    assert found("AVÉRY lin") == ([avery], ["Avery Lin"])
    assert found("commons library") == ([tom], ["Tom Hughes"])
    assert found("https://uk.linkedin.com/in/Tom-Hughes/?trk=x") == ([tom], ["Tom Hughes"])
    assert found(tom) == ([tom], [])
    assert found("2026-00000") == ([tom, avery], [])
    assert found("nobody at all") == ([], [])
    short = client.get("/api/search", params={"q": "a"}, headers=bearer("ana"))
    assert short.status_code == 422


# -- administration ----------------------------------------------------------------------


def test_an_admin_adds_an_account_that_can_log_in(client: Any) -> None:
    created = client.post(
        "/api/users",
        json={"username": "lee", "role": "analyst", "team": "Security office", "password": "pw1"},
        headers=bearer("adam"),
    )
    assert created.status_code == 201, created.text
    assert created.json() == {
        "username": "lee",
        "display_name": "lee",
        "role": "analyst",
        "team": "Security office",
        "is_active": True,
        "has_password": True,
    }
    login = client.post("/api/session", json={"username": "lee", "password": "pw1"})
    assert login.status_code == 200
    again = client.post(
        "/api/users", json={"username": "lee", "role": "reporter"}, headers=bearer("adam")
    )
    assert again.status_code == 409
    assert "message" in again.json()
    names = [u["username"] for u in client.get("/api/users", headers=bearer("adam")).json()]
    assert "lee" in names and "password" not in str(names)


def test_an_account_in_an_unknown_team_is_refused(client: Any) -> None:
    response = client.post(
        "/api/users",
        json={"username": "x", "role": "reporter", "team": "Nope"},
        headers=bearer("adam"),
    )
    assert response.status_code == 404
    assert "Nope" in response.json()["message"]


def test_an_admin_sets_team_sensitivity_and_verdict_wording(client: Any, store: Store) -> None:
    team = client.put("/api/teams/Press office", json={"sensitivity": 2.5}, headers=bearer("adam"))
    assert team.json() == {"name": "Press office", "sensitivity": 2.5}
    teams = {
        t["name"]: t["sensitivity"] for t in client.get("/api/teams", headers=bearer("adam")).json()
    }
    assert teams["Press office"] == 2.5 and teams["Committee clerks"] == 3.0
    bad = client.put("/api/teams/x", json={"sensitivity": -1}, headers=bearer("adam"))
    assert bad.status_code == 422
    wording = "Received: we will look at it today."
    template = client.put(
        "/api/verdict-templates/received", json={"text": wording}, headers=bearer("adam")
    )
    assert (template.json()["text"], template.json()["updated_by"]) == (wording, "adam")
    assert store.get_verdict_template("received").text == wording


def test_passwords_never_come_back(client: Any) -> None:
    client.post("/api/session", json={"username": "adam", "password": PASSWORD})
    for url in ("/api/me", "/api/users"):
        assert PASSWORD not in client.get(url).text
        assert "hash" not in client.get(url).text


def test_an_admin_changes_role_and_team_and_it_holds_at_once(client: Any, store: Store) -> None:
    assert client.get("/api/cases", headers=bearer("ana")).status_code == 200
    changed = client.patch(
        "/api/users/ana",
        json={"role": "reporter", "team": "Visitor centre"},
        headers=bearer("adam"),
    )
    assert changed.status_code == 200, changed.text
    assert changed.json() == {
        "username": "ana",
        "display_name": "Ana",
        "role": "reporter",
        "team": "Visitor centre",
        "is_active": True,
        "has_password": True,
    }
    assert client.get("/api/cases", headers=bearer("ana")).status_code == 403
    # A field left out stays; "team": null takes the account out of its team.
    out = client.patch("/api/users/ana", json={"team": None}, headers=bearer("adam")).json()
    assert (out["role"], out["team"]) == ("reporter", None)
    renamed = client.patch(
        "/api/users/ana", json={"display_name": "Ana A."}, headers=bearer("adam")
    )
    assert (renamed.json()["display_name"], renamed.json()["team"]) == ("Ana A.", None)
    off = client.patch("/api/users/ana", json={"is_active": False}, headers=bearer("adam"))
    assert off.json()["is_active"] is False
    assert client.get("/api/me", headers=bearer("ana")).status_code == 401
    updates = [
        (e.actor, e.target, e.details)
        for e in store.audit_entries(limit=1000)
        if e.action == "user.update"
    ]
    assert updates == [
        (
            "adam",
            "user:ana",
            {
                "role": "reporter",
                "team": "Visitor centre",
                "before": {"role": "analyst", "team": "Security office"},
            },
        ),
        ("adam", "user:ana", {"team": None, "before": {"team": "Visitor centre"}}),
        ("adam", "user:ana", {"display_name": "Ana A.", "before": {"display_name": "Ana"}}),
        ("adam", "user:ana", {"is_active": False, "before": {"is_active": True}}),
    ]


def test_bad_account_changes_are_refused(client: Any, store: Store) -> None:
    cases = [
        ("adam", {"role": "analyst"}, 409, "you cannot demote your own account"),
        ("adam", {"is_active": False}, 409, "you cannot deactivate your own account"),
        ("sam", {"role": "boss"}, 422, "role"),
        ("sam", {"team": "Nowhere"}, 404, "no team 'Nowhere'"),
        ("sam", {"password": "x"}, 422, "password"),  # not changed here
        ("sam", {"display_name": ""}, 422, "display_name"),
        ("nobody", {"role": "analyst"}, 404, "no user 'nobody'"),
    ]
    for username, body, code, message in cases:
        response = client.patch(f"/api/users/{username}", json=body, headers=bearer("adam"))
        assert response.status_code == code, (username, body, response.text)
        assert message in response.json()["message"]
    assert (store.get_user("adam").role, store.get_user("sam").team) == (
        "admin",
        "Committee clerks",
    )
    assert not [e for e in store.audit_entries(limit=1000) if e.action == "user.update"]


def test_an_admin_lists_and_revokes_tokens(client: Any, store: Store) -> None:
    issued = client.post("/api/users/kim/tokens", json={"name": "PC-42"}, headers=bearer("adam"))
    token, token_id = issued.json()["token"], issued.json()["id"]
    kim = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/me", headers=kim).status_code == 200
    listed = client.get("/api/users/kim/tokens", headers=bearer("adam"))
    assert listed.json() == [
        {
            "id": store.list_tokens("kim")[0].id,
            "username": "kim",
            "name": "tests",
            "created_at": "2026-11-29T09:00:00Z",
            "revoked_at": None,
            "last_used_at": None,
        },
        {
            "id": token_id,
            "username": "kim",
            "name": "PC-42",
            "created_at": "2026-11-29T09:00:00Z",
            "revoked_at": None,
            "last_used_at": "2026-11-29T09:00:00Z",  # kim's GET /api/me above
        },
    ]
    assert token not in listed.text
    # Another account named in the path: not found, and the token still works.
    wrong = client.post(f"/api/users/sam/tokens/{token_id}/revoke", headers=bearer("adam"))
    assert wrong.status_code == 404
    assert client.get("/api/me", headers=kim).status_code == 200
    revoked = client.post(f"/api/users/kim/tokens/{token_id}/revoke", headers=bearer("adam"))
    assert revoked.status_code == 200
    assert revoked.json()["revoked_at"] == "2026-11-29T09:00:00Z"
    assert client.get("/api/me", headers=kim).status_code == 401  # the very next request
    again = client.post(f"/api/users/kim/tokens/{token_id}/revoke", headers=bearer("adam"))
    assert again.json() == revoked.json()
    assert [e.action for e in store.audit_entries(limit=1000)][-2:] == [
        "token.issue",
        "token.revoke",
    ]
    assert client.get("/api/users/nobody/tokens", headers=bearer("adam")).status_code == 404


# -- login sessions ------------------------------------------------------------------------


def log_in(client: Any, username: str) -> str:
    """Log in over the API as a fresh browser would (logging in again with a session
    cookie ends that session); the session cookie it set."""
    client.cookies.clear()
    response = client.post("/api/session", json={"username": username, "password": PASSWORD})
    assert response.status_code == 200, response.text
    return str(client.cookies[COOKIE_NAME])


def test_an_admin_lists_and_ends_an_accounts_sessions(
    client: Any, other_client: Any, store: Store, clock: Any
) -> None:
    first = log_in(other_client, "sam")
    clock.advance(minutes=5)
    second = log_in(other_client, "sam")
    listed = client.get("/api/users/sam/sessions", headers=bearer("adam"))
    assert listed.json() == [
        {"created_at": "2026-11-29T09:05:00Z", "last_seen": "2026-11-29T09:05:00Z"},
        {"created_at": "2026-11-29T09:00:00Z", "last_seen": "2026-11-29T09:00:00Z"},
    ]
    assert (
        first.partition(".")[0] not in listed.text and second.partition(".")[0] not in listed.text
    )
    assert client.get("/api/users/kim/sessions", headers=bearer("adam")).json() == []
    # An analyst may do neither; nothing ends.
    for method, path in (("GET", "/sessions"), ("POST", "/sessions/end")):
        refused = client.request(method, f"/api/users/sam{path}", headers=bearer("ana"))
        assert refused.status_code == 403, path
    assert len(store.list_login_sessions("sam")) == 2

    ended = client.post("/api/users/sam/sessions/end", headers=bearer("adam"))
    assert (ended.status_code, ended.json()) == (200, {"ended": 2})
    for cookie in (first, second):
        other_client.cookies.set(COOKIE_NAME, cookie)
        assert other_client.get("/api/me").status_code == 401
    assert client.get("/api/me", headers=bearer("sam")).status_code == 200  # tokens still work
    assert client.get("/api/users/sam/sessions", headers=bearer("adam")).json() == []
    [entry] = [e for e in store.audit_entries(limit=1000) if e.action == "user.sessions_ended"]
    assert (entry.actor, entry.target, entry.details) == (
        "adam",
        "user:sam",
        {"ended": 2, "kept_own_session": False},
    )
    for method, path in (("GET", "/sessions"), ("POST", "/sessions/end")):
        missing = client.request(method, f"/api/users/nobody{path}", headers=bearer("adam"))
        assert (missing.status_code, missing.json()) == (404, {"message": "no user 'nobody'"})


def test_an_admin_with_a_session_cookie_keeps_it_and_with_a_token_does_not(
    client: Any, other_client: Any, store: Store
) -> None:
    here = log_in(client, "adam")
    elsewhere = log_in(other_client, "adam")
    ended = client.post("/api/users/adam/sessions/end")  # with the cookie
    assert ended.json() == {"ended": 1}
    assert client.get("/api/me").json()["username"] == "adam"
    assert other_client.get("/api/me").status_code == 401
    assert store.audit_entries(limit=1000)[-1].details == {"ended": 1, "kept_own_session": True}
    # Sent with a token, the cookie that came along is not what authenticated: it ends too.
    other_client.cookies.set(COOKIE_NAME, here)
    ended = other_client.post("/api/users/adam/sessions/end", headers=bearer("adam"))
    assert ended.json() == {"ended": 1}
    assert other_client.get("/api/me").status_code == 401
    assert elsewhere != here
