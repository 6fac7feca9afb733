"""The settings page: teams' sensitivity, verdict wording and accounts, for admins only."""

from __future__ import annotations

import re
from typing import Any

import pytest
from websupport import PASSWORD, csrf_from, page_login, post_form

from lurewatch.store import Store
from lurewatch.store.records import Team


def audit_actions(store: Store) -> list[tuple[str, str, str]]:
    return [(e.actor, e.action, e.target) for e in store.audit_entries(limit=1000)]


@pytest.mark.parametrize("who", ["sam", "ana"])
def test_settings_are_for_admins_only(client: Any, store: Store, who: str) -> None:
    anonymous = client.get("/admin", follow_redirects=False)
    assert anonymous.status_code == 303
    assert anonymous.headers["location"] == "/login?next=/admin"
    page_login(client, who)
    token = csrf_from(client.get("/login").text)
    assert client.get("/admin").status_code == 403
    before = store.list_teams()
    for path, data in (
        ("/admin/teams", {"name": "Visitor centre", "sensitivity": "9"}),
        ("/admin/templates", {"key": "received", "text": "changed"}),
        ("/admin/users", {"username": "eve", "role": "admin", "login": "password"}),
        ("/admin/users/adam/active", {"active": "0"}),
    ):
        response = client.post(path, data={**data, "csrf_token": token})
        assert response.status_code == 403, path
    assert store.list_teams() == before
    assert store.get_verdict_template("received").text != "changed"
    assert "eve" not in {u.username for u in store.list_users()}
    assert store.get_user("adam").is_active


def test_the_page_lists_teams_wording_and_accounts(client: Any, store: Store) -> None:
    page_login(client, "adam")
    html = client.get("/admin").text
    assert 'name="sensitivity" type="number" min="0" max="1000" step="0.1" value="3.0"' in html
    for template in store.list_verdict_templates():
        assert f">{template.key}</label>" in html
    for username in ("adam", "ana", "kim", "sam"):
        assert f'<th scope="row">{username}</th>' in html
    # An admin cannot deactivate themselves from the page.
    assert "/admin/users/adam/active" not in html
    assert 'action="/admin/users/sam/active"' in html


def test_changing_a_teams_sensitivity(client: Any, store: Store) -> None:
    page_login(client, "adam")
    response = post_form(
        client,
        "/admin/teams",
        {"name": "Visitor centre", "sensitivity": "1.5"},
        page="/admin",
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/admin?done=team#teams"
    assert Team(name="Visitor centre", sensitivity=1.5) in store.list_teams()
    assert ("adam", "team.set", "team:Visitor centre") in audit_actions(store)
    assert "Team saved." in client.get(response.headers["location"]).text
    # A new team, then nonsense refused.
    post_form(
        client, "/admin/teams", {"name": "Defence staff", "sensitivity": "2.5"}, page="/admin"
    )
    assert Team(name="Defence staff", sensitivity=2.5) in store.list_teams()
    for bad in ("lots", "nan", "inf", "-1", "1001"):
        refused = post_form(
            client, "/admin/teams", {"name": "Visitor centre", "sensitivity": bad}, page="/admin"
        )
        assert refused.status_code == 422, bad
        assert "sensitivity" in refused.text
    assert Team(name="Visitor centre", sensitivity=1.5) in store.list_teams()


def test_rewording_a_verdict_template(client: Any, store: Store) -> None:
    page_login(client, "adam")
    text = "Looks legitimate <b>today</b>: report again if they ask for money."
    response = post_form(
        client, "/admin/templates", {"key": "looks-legitimate", "text": text}, page="/admin"
    )
    assert response.status_code == 200
    assert store.get_verdict_template("looks-legitimate").text == text
    assert store.get_verdict_template("looks-legitimate").updated_by == "adam"
    assert ("adam", "verdict_template.set", "verdict_template:looks-legitimate") in (
        audit_actions(store)
    )
    assert "Looks legitimate &lt;b&gt;today&lt;/b&gt;" in response.text
    empty = post_form(
        client, "/admin/templates", {"key": "looks-legitimate", "text": "  "}, page="/admin"
    )
    assert empty.status_code == 422
    assert store.get_verdict_template("looks-legitimate").text == text


def test_a_new_account_gets_a_one_time_password_that_logs_in(client: Any, store: Store) -> None:
    page_login(client, "adam")
    response = post_form(
        client,
        "/admin/users",
        {
            "username": "nia",
            "display_name": "Nia Clerk",
            "role": "reporter",
            "team": "Committee clerks",
            "login": "password",
        },
        page="/admin",
    )
    assert response.status_code == 201
    found = re.search(r'<code class="one-time">([^<]+)</code>', response.text)
    assert found
    password = found.group(1)
    nia = store.get_user("nia")
    assert (nia.display_name, nia.role, nia.team, nia.has_password) == (
        "Nia Clerk",
        "reporter",
        "Committee clerks",
        True,
    )
    assert ("adam", "user.create", "user:nia") in audit_actions(store)
    # Shown once: the settings page afterwards does not show it.
    assert password not in client.get("/admin").text
    client.cookies.clear()
    assert page_login(client, "nia", password).headers["location"] == "/check"


def test_a_token_only_account_has_no_password(client: Any, store: Store) -> None:
    page_login(client, "adam")
    response = post_form(
        client,
        "/admin/users",
        {"username": "report-bot", "display_name": "", "role": "reporter", "login": "token"},
        page="/admin",
    )
    assert response.status_code == 201
    assert 'class="one-time"' not in response.text
    assert "it can only use API tokens" in response.text
    bot = store.get_user("report-bot")
    assert (bot.display_name, bot.team, bot.has_password) == ("report-bot", None, False)


def test_bad_accounts_are_refused(client: Any, store: Store) -> None:
    page_login(client, "adam")
    cases = [
        ({"username": "sam", "role": "reporter", "login": "password"}, 409),  # taken
        ({"username": "x y", "role": "reporter", "login": "password"}, 422),
        ({"username": "zed", "role": "superuser", "login": "password"}, 422),
        ({"username": "zed", "role": "reporter", "login": "maybe"}, 422),
        ({"username": "zed", "role": "reporter", "team": "Nowhere", "login": "token"}, 404),
    ]
    for data, code in cases:
        assert post_form(client, "/admin/users", data, page="/admin").status_code == code, data
    assert "zed" not in {u.username for u in store.list_users()}


def test_deactivating_an_account_stops_its_logins(client: Any, store: Store) -> None:
    page_login(client, "adam")
    response = post_form(
        client, "/admin/users/sam/active", {"active": "0"}, page="/admin", follow_redirects=False
    )
    assert response.status_code == 303
    assert not store.get_user("sam").is_active
    assert ("adam", "user.update", "user:sam") in audit_actions(store)
    assert "Activate sam" in client.get("/admin").text
    refused = post_form(client, "/admin/users/adam/active", {"active": "0"}, page="/admin")
    assert refused.status_code == 409
    assert store.get_user("adam").is_active
    client.cookies.clear()
    token = csrf_from(client.get("/login").text)
    login = client.post(
        "/login", data={"username": "sam", "password": PASSWORD, "csrf_token": token}
    )
    assert login.status_code == 401
    page_login(client, "adam")
    post_form(client, "/admin/users/sam/active", {"active": "1"}, page="/admin")
    assert store.get_user("sam").is_active


def test_forms_without_a_csrf_token_change_nothing(client: Any, store: Store) -> None:
    page_login(client, "adam")
    client.get("/admin")
    for path, data in (
        ("/admin/teams", {"name": "Visitor centre", "sensitivity": "9"}),
        ("/admin/templates", {"key": "received", "text": "changed"}),
        ("/admin/users", {"username": "eve", "role": "admin", "login": "password"}),
        ("/admin/users/sam/active", {"active": "0"}),
    ):
        for token in (None, "0" * 64):
            sent = data if token is None else {**data, "csrf_token": token}
            response = client.post(path, data=sent)
            assert response.status_code == 403, (path, token)
            assert "This form has expired" in response.text
    assert Team(name="Visitor centre", sensitivity=1.0) in store.list_teams()
    assert store.get_verdict_template("received").text != "changed"
    assert "eve" not in {u.username for u in store.list_users()}
    assert store.get_user("sam").is_active


def test_hostile_team_names_and_wording_are_escaped(client: Any, store: Store) -> None:
    page_login(client, "adam")
    hostile = "</textarea><script>alert(1)</script>"
    post_form(client, "/admin/teams", {"name": hostile, "sensitivity": "1"}, page="/admin")
    post_form(client, "/admin/templates", {"key": "odd", "text": hostile}, page="/admin")
    html = client.get("/admin").text
    assert "<script>" not in html
    assert "&lt;/textarea&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in html
