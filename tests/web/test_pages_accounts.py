"""One account's page (admins): role and team, a new one-time password, API tokens."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

import pytest
from websupport import PASSWORD, TOKENS, csrf_from, page_login, post_form

from lurewatch.store import Store
from lurewatch.store.records import ApiToken
from lurewatch.web.sessions import COOKIE_NAME

_ONE_TIME = re.compile(r'<code class="one-time">([^<]+)</code>')


def one_time(html: str) -> str:
    """The password or token a page shows once."""
    found = _ONE_TIME.search(html)
    assert found, "no one-time secret on the page"
    return found.group(1)


def audit(store: Store, action: str) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (e.actor, e.target, e.details)
        for e in store.audit_entries(limit=1000)
        if e.action == action
    ]


def api(client: Any, token: str, path: str = "/api/me") -> Any:
    return client.get(path, headers={"Authorization": f"Bearer {token}"})


@pytest.fixture
def adam(client: Any) -> Any:
    page_login(client, "adam")
    return client


# -- the page ---------------------------------------------------------------------------------


def test_the_settings_page_links_every_account_to_its_page(adam: Any) -> None:
    html = adam.get("/admin").text
    for username in ("adam", "ana", "kim", "sam"):
        assert f'<a href="/admin/users/{username}">' in html
    page = adam.get("/admin/users/sam")
    assert page.status_code == 200
    assert "<h1>Account sam</h1>" in page.text
    assert '<th scope="row" class="wrap">tests</th>' in page.text  # its token, by name
    assert TOKENS["sam"] not in page.text


def test_account_pages_are_for_admins_only(client: Any, store: Store) -> None:
    anonymous = client.get("/admin/users/sam", follow_redirects=False)
    assert anonymous.headers["location"] == "/login?next=/admin/users/sam"
    page_login(client, "ana")
    assert client.get("/admin/users/sam").status_code == 403
    token = csrf_from(client.get("/login").text)
    sam_token = store.list_tokens("sam")[0].id
    for path, data in (
        ("/admin/users/sam/access", {"role": "admin"}),
        ("/admin/users/ana/access", {"role": "admin"}),
        ("/admin/users/sam/password", {}),
        ("/admin/users/sam/tokens", {"name": "mine now"}),
        (f"/admin/users/sam/tokens/{sam_token}/revoke", {}),
    ):
        assert client.post(path, data={**data, "csrf_token": token}).status_code == 403, path
    assert store.get_user("ana").role == "analyst"
    assert store.get_user("sam").role == "reporter"
    assert [t.name for t in store.list_tokens("sam")] == ["tests"]
    assert audit(store, "user.password") == []


# -- role and team ----------------------------------------------------------------------------


def test_a_demoted_analyst_loses_the_queue_on_the_next_request(
    adam: Any, other_client: Any, store: Store
) -> None:
    page_login(other_client, "ana")
    assert other_client.get("/queue").status_code == 200
    assert api(other_client, TOKENS["ana"], "/api/cases").status_code == 200
    response = post_form(
        adam,
        "/admin/users/ana/access",
        {"role": "reporter", "team": "Visitor centre"},
        page="/admin/users/ana",
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/admin/users/ana?done=access#access"
    assert "Role and team saved" in adam.get(response.headers["location"]).text
    ana = store.get_user("ana")
    assert (ana.role, ana.team) == ("reporter", "Visitor centre")
    # Her session and her token carry the new role at once.
    assert other_client.get("/queue").status_code == 403
    assert api(other_client, TOKENS["ana"], "/api/cases").status_code == 403
    assert audit(store, "user.update") == [
        (
            "adam",
            "user:ana",
            {
                "role": "reporter",
                "team": "Visitor centre",
                "before": {"role": "analyst", "team": "Security office"},
            },
        )
    ]
    # Out of any team; a promotion works the same way.
    post_form(adam, "/admin/users/ana/access", {"role": "analyst", "team": ""}, page="/admin")
    ana = store.get_user("ana")
    assert (ana.role, ana.team) == ("analyst", None)
    assert other_client.get("/queue").status_code == 200
    assert store.verify_audit().ok


def test_an_admin_cannot_demote_or_deactivate_themselves(adam: Any, store: Store) -> None:
    own = adam.get("/admin/users/adam").text
    assert 'name="role"' not in own  # no role to choose on one's own page
    assert "/admin/users/adam/active" not in own
    # A forged form is refused by the store, with the reason.
    for path, data in (
        ("/admin/users/adam/access", {"role": "analyst", "team": ""}),
        ("/admin/users/adam/active", {"active": "0"}),
    ):
        refused = post_form(adam, path, data, page="/admin/users/adam")
        assert refused.status_code == 409, path
        assert "your own account: ask another admin" in refused.text
    # Their own team they may change.
    saved = post_form(adam, "/admin/users/adam/access", {"team": ""}, page="/admin/users/adam")
    assert saved.status_code == 200
    adam_now = store.get_user("adam")
    assert (adam_now.role, adam_now.is_active, adam_now.team) == ("admin", True, None)
    assert [t for _, t, d in audit(store, "user.update") if "role" in d] == []


def test_bad_role_and_team_changes_are_refused(adam: Any, store: Store) -> None:
    cases = [
        ("/admin/users/sam/access", {"role": "superuser"}, 422, "role &#39;superuser&#39;"),
        ("/admin/users/sam/access", {"role": "analyst", "team": "Nowhere"}, 404, "no team"),
        ("/admin/users/nobody/access", {"role": "analyst"}, 404, "no user"),
        ("/admin/users/sam/access", {"role": "analyst", "team": "x" * 201}, 422, "team: over"),
        ("/admin/users/" + "s" * 151 + "/access", {"role": "analyst"}, 422, "username"),
    ]
    for path, data, code, message in cases:
        response = post_form(adam, path, data, page="/admin")
        assert response.status_code == code, (path, data)
        assert message in response.text
        assert "<h1>" in response.text  # a page in the site's layout, not JSON
    assert store.get_user("sam").role == "reporter"
    assert adam.get("/admin/users/nobody").status_code == 404
    assert audit(store, "user.update") == []


def test_deactivating_from_the_account_page_returns_to_it(adam: Any, store: Store) -> None:
    response = post_form(
        adam,
        "/admin/users/kim/active",
        {"active": "0", "back": "account"},
        page="/admin/users/kim",
        follow_redirects=False,
    )
    assert response.headers["location"] == "/admin/users/kim?done=deactivated#active"
    page = adam.get(response.headers["location"]).text
    assert "This account is deactivated" in page
    assert "Activate kim" in page
    assert not store.get_user("kim").is_active
    assert api(adam, TOKENS["kim"]).status_code == 401


# -- passwords --------------------------------------------------------------------------------


def test_a_password_reset_gives_a_working_one_time_password(
    adam: Any, other_client: Any, store: Store
) -> None:
    page_login(other_client, "sam")
    assert other_client.get("/check").status_code == 200
    response = post_form(adam, "/admin/users/sam/password", {}, page="/admin/users/sam")
    assert response.status_code == 200
    password = one_time(response.text)
    assert "The old one no longer works" in response.text
    assert password not in adam.get("/admin/users/sam").text  # shown once
    # Sam's session ended; the old password fails, the new one works.
    assert other_client.get("/check", follow_redirects=False).status_code == 303
    token = csrf_from(other_client.get("/login").text)
    old = other_client.post(
        "/login", data={"username": "sam", "password": PASSWORD, "csrf_token": token}
    )
    assert old.status_code == 401
    assert page_login(other_client, "sam", password).headers["location"] == "/check"
    assert other_client.post(
        "/api/session", json={"username": "sam", "password": password}
    ).is_success
    # The password is nowhere in the audit log: only who set one, for whom.
    assert audit(store, "user.password") == [("adam", "user:sam", {})]
    assert password not in str(store.audit_entries(limit=1000))


def test_an_admin_resetting_their_own_password_stays_logged_in(adam: Any) -> None:
    response = post_form(adam, "/admin/users/adam/password", {}, page="/admin/users/adam")
    password = one_time(response.text)
    assert adam.get("/admin").status_code == 200
    adam.cookies.clear()
    page_login(adam, "adam", password)


def test_a_token_only_account_can_be_given_a_password(adam: Any, store: Store) -> None:
    store.create_user("bot", display_name="Bot", role="reporter", actor="adam")
    page = adam.get("/admin/users/bot").text
    assert "Give it a one-time password" in page
    response = post_form(adam, "/admin/users/bot/password", {}, page="/admin/users/bot")
    assert store.verify_password("bot", one_time(response.text)) is not None


# -- tokens -----------------------------------------------------------------------------------


def test_a_token_issued_on_the_page_works_is_shown_once_and_revokes_at_once(
    adam: Any, other_client: Any, store: Store
) -> None:
    response = post_form(
        adam, "/admin/users/kim/tokens", {"name": "report client on PC-42"}, page="/admin"
    )
    assert response.status_code == 201
    token = one_time(response.text)
    assert "report client on PC-42" in response.text
    assert api(other_client, token).json()["username"] == "kim"
    # Never shown again: not on the account's page, the settings page or the API's list.
    for path in ("/admin/users/kim", "/admin"):
        assert token not in adam.get(path).text
    listed = adam.get("/api/users/kim/tokens").text
    assert "report client on PC-42" in listed and token not in listed
    (_, issued) = store.list_tokens("kim")
    assert issued.name == "report client on PC-42" and issued.revoked_at is None
    assert audit(store, "token.issue")[-1] == (
        "adam",
        "user:kim",
        {"token_id": issued.id, "name": "report client on PC-42"},
    )

    revoked = post_form(
        adam,
        f"/admin/users/kim/tokens/{issued.id}/revoke",
        {},
        page="/admin/users/kim",
        follow_redirects=False,
    )
    assert revoked.headers["location"] == "/admin/users/kim?done=revoked#tokens"
    # The very next request with it is refused; kim's other token still works.
    assert api(other_client, token).status_code == 401
    assert api(other_client, TOKENS["kim"]).json()["username"] == "kim"
    page = adam.get(revoked.headers["location"]).text
    assert "Token revoked" in page
    assert "Revoke token report client on PC-42" not in page
    assert re.search(r"report client on PC-42</th>\s*<td>[^<]+</td>\s*<td>revoked ", page)
    assert store.list_tokens("kim")[1] == ApiToken(
        id=issued.id,
        username="kim",
        name="report client on PC-42",
        created_at=issued.created_at,
        revoked_at=issued.created_at,  # the frozen clock
        last_used_at=issued.created_at,  # kim used it before it was revoked
    )
    assert audit(store, "token.revoke") == [
        ("adam", "user:kim", {"token_id": issued.id, "name": "report client on PC-42"})
    ]


def test_the_token_list_says_when_each_token_was_last_used(
    adam: Any, other_client: Any, store: Store, clock: Any
) -> None:
    unused = store.issue_token("kim", "spare laptop", actor="adam")
    row = r"{name}</th>\s*<td>[^<]+</td>\s*<td>works</td>\s*<td class=\"last-used\">([^<]+)</td>"

    def shown(name: str) -> str:
        found = re.search(row.format(name=name), adam.get("/admin/users/kim").text)
        assert found, name
        return found.group(1)

    assert (shown("tests"), shown("spare laptop")) == ("never used", "never used")
    clock.advance(hours=1, minutes=30)
    assert api(other_client, TOKENS["kim"]).status_code == 200
    assert (shown("tests"), shown("spare laptop")) == (
        "last used 29 Nov 2026, 10:30",
        "never used",
    )
    listed = adam.get("/api/users/kim/tokens").json()
    assert [(t["name"], t["last_used_at"]) for t in listed] == [
        ("tests", "2026-11-29T10:30:00Z"),
        ("spare laptop", None),
    ]
    assert listed[1]["id"] == unused.id
    # Used again five minutes later: not written yet (at most once every ten minutes).
    clock.advance(minutes=5)
    assert api(other_client, TOKENS["kim"]).status_code == 200
    assert shown("tests") == "last used 29 Nov 2026, 10:30"
    clock.advance(minutes=5)
    assert api(other_client, TOKENS["kim"]).status_code == 200
    assert shown("tests") == "last used 29 Nov 2026, 10:40"


def test_bad_tokens_requests_are_refused(adam: Any, store: Store) -> None:
    sams = store.list_tokens("sam")[0].id
    cases = [
        ("/admin/users/kim/tokens", {"name": "   "}, 422, "token name"),
        ("/admin/users/kim/tokens", {"name": "n" * 201}, 422, "name: over 200"),
        ("/admin/users/nobody/tokens", {"name": "x"}, 404, "no user"),
        # Another account's token, named under this one: not found, not revoked.
        (f"/admin/users/kim/tokens/{sams}/revoke", {}, 404, "for user &#39;kim&#39;"),
        ("/admin/users/kim/tokens/999/revoke", {}, 404, "no API token with id 999"),
        ("/admin/users/kim/tokens/first/revoke", {}, 422, "token_id"),
    ]
    for path, data, code, message in cases:
        response = post_form(adam, path, data, page="/admin")
        assert response.status_code == code, (path, data)
        assert message in response.text
    assert [t.name for t in store.list_tokens("kim")] == ["tests"]
    assert store.user_for_token(TOKENS["sam"]) is not None


def test_hostile_token_names_are_escaped(adam: Any, store: Store) -> None:
    hostile = '"><script>alert(1)</script><img src=x onerror=alert(2)>'
    response = post_form(adam, "/admin/users/sam/tokens", {"name": hostile}, page="/admin")
    assert response.status_code == 201
    for html in (response.text, adam.get("/admin/users/sam").text):
        assert "<script>" not in html and "<img" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert store.list_tokens("sam")[-1].name == hostile


def test_account_forms_without_a_csrf_token_change_nothing(adam: Any, store: Store) -> None:
    adam.get("/admin/users/sam")
    sams = store.list_tokens("sam")[0].id
    for path, data in (
        ("/admin/users/sam/access", {"role": "admin"}),
        ("/admin/users/sam/password", {}),
        ("/admin/users/sam/tokens", {"name": "sneaky"}),
        (f"/admin/users/sam/tokens/{sams}/revoke", {}),
    ):
        for token in (None, "0" * 64):
            sent = data if token is None else {**data, "csrf_token": token}
            response = adam.post(path, data=sent)
            assert response.status_code == 403, (path, token)
            assert "This form has expired" in response.text
        # The right token from another site's page is refused too.
        token = csrf_from(adam.get("/admin").text)
        evil = adam.post(
            path, data={**data, "csrf_token": token}, headers={"Origin": "https://evil.example"}
        )
        assert evil.status_code == 403, path
    assert store.get_user("sam").role == "reporter"
    assert [t.name for t in store.list_tokens("sam")] == ["tests"]
    assert store.user_for_token(TOKENS["sam"]) is not None
    assert store.verify_password("sam", PASSWORD) is not None


# -- sessions ---------------------------------------------------------------------------------

_SESSION_ROW = re.compile(r'<td class="started">([^<]+)</td>\s*<td class="last-seen">([^<]+)</td>')
_CAPTION = re.compile(r'<table class="sessions">\s*<caption>([^<]+)</caption>')


def sessions_shown(html: str) -> tuple[str, list[tuple[str, str]]]:
    """The Sessions table of an account's page: its caption, and (started, last seen) rows."""
    caption = _CAPTION.search(html)
    assert caption, "no sessions table on the page"
    return caption.group(1), _SESSION_ROW.findall(html)


def logged_out(client: Any) -> bool:
    """Whether ``client``'s next page request is sent to log in."""
    response = client.get("/check", follow_redirects=False)
    return response.status_code == 303 and response.headers["location"].startswith("/login")


def test_the_account_page_lists_the_live_sessions(adam: Any, other_client: Any, clock: Any) -> None:
    assert sessions_shown(adam.get("/admin/users/sam").text) == ("0 live sessions", [])
    page_login(other_client, "sam")  # 09:00
    desk = other_client.cookies[COOKIE_NAME]
    clock.advance(minutes=30)
    other_client.cookies.clear()  # another browser
    page_login(other_client, "sam")  # 09:30
    clock.advance(minutes=5)
    other_client.cookies.set(COOKIE_NAME, desk)
    assert other_client.get("/check").status_code == 200  # the first is used again at 09:35
    html = adam.get("/admin/users/sam").text
    assert sessions_shown(html) == (
        "2 live sessions",
        [
            ("29 Nov 2026, 09:00", "29 Nov 2026, 09:35"),
            ("29 Nov 2026, 09:30", "29 Nov 2026, 09:30"),
        ],
    )
    assert "recorded to within a minute" in html
    assert ">Log sam out everywhere</button>" in html
    assert 'action="/admin/users/sam/sessions/end"' in html
    assert desk.partition(".")[0] not in html
    # Two hours after 09:30 only the session used at 09:35 is left.
    clock.advance(hours=1, minutes=56)
    assert sessions_shown(adam.get("/admin/users/sam").text) == (
        "1 live session",
        [("29 Nov 2026, 09:00", "29 Nov 2026, 09:35")],
    )


def test_an_admin_logs_an_account_out_everywhere(
    adam: Any, other_client: Any, store: Store
) -> None:
    page_login(other_client, "sam")
    assert other_client.get("/check").status_code == 200
    response = post_form(
        adam, "/admin/users/sam/sessions/end", {}, page="/admin/users/sam", follow_redirects=False
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/admin/users/sam?done=sessions#sessions"
    page = adam.get(response.headers["location"]).text
    assert "Logged out everywhere: whoever was using the account must log in again." in page
    assert sessions_shown(page) == ("0 live sessions", [])
    # Sam's browser is sent to log in on its very next request; the admin is not.
    assert logged_out(other_client)
    assert adam.get("/admin").status_code == 200
    assert api(adam, TOKENS["sam"]).status_code == 200  # tokens are not sessions
    assert audit(store, "user.sessions_ended") == [
        ("adam", "user:sam", {"ended": 1, "kept_own_session": False})
    ]
    assert store.verify_audit().ok


def test_an_admin_on_their_own_account_keeps_the_session_in_use(
    adam: Any, other_client: Any, store: Store
) -> None:
    page_login(other_client, "adam")  # adam's other browser
    page = adam.get("/admin/users/adam").text
    assert sessions_shown(page)[0] == "2 live sessions, one of them this one"
    assert ">Log out of your other sessions</button>" in page
    assert "Log adam out everywhere" not in page
    response = post_form(
        adam, "/admin/users/adam/sessions/end", {}, page="/admin/users/adam", follow_redirects=False
    )
    assert response.headers["location"] == "/admin/users/adam?done=own-sessions#sessions"
    page = adam.get(response.headers["location"]).text
    assert "Your other sessions have ended; this one stays." in page
    assert sessions_shown(page)[0] == "1 live session: this one"
    assert logged_out(other_client)
    assert audit(store, "user.sessions_ended") == [
        ("adam", "user:adam", {"ended": 1, "kept_own_session": True})
    ]


def test_non_admins_cannot_end_sessions(client: Any, other_client: Any, store: Store) -> None:
    page_login(other_client, "sam")
    page_login(client, "ana")
    token = csrf_from(client.get("/login").text)
    for username in ("sam", "ana", "adam"):
        refused = client.post(f"/admin/users/{username}/sessions/end", data={"csrf_token": token})
        assert refused.status_code == 403, username
    assert not logged_out(other_client)
    assert not logged_out(client)
    assert audit(store, "user.sessions_ended") == []


def test_ending_sessions_without_a_csrf_token_changes_nothing(
    adam: Any, other_client: Any, store: Store
) -> None:
    page_login(other_client, "sam")
    path = "/admin/users/sam/sessions/end"
    for token in (None, "0" * 64):
        response = adam.post(path, data={} if token is None else {"csrf_token": token})
        assert response.status_code == 403, token
        assert "This form has expired" in response.text
    token = csrf_from(adam.get("/admin/users/sam").text)
    evil = adam.post(path, data={"csrf_token": token}, headers={"Origin": "https://evil.example"})
    assert evil.status_code == 403
    assert not logged_out(other_client)
    assert len(store.list_login_sessions("sam")) == 1
    assert audit(store, "user.sessions_ended") == []


def test_usernames_in_the_sessions_section_are_escaped(
    adam: Any, other_client: Any, store: Store
) -> None:
    name = "m.o+sec@x-1_a"  # every character a username may hold beside letters and digits
    store.create_user(name, display_name="Mo", role="reporter", password=PASSWORD, actor="adam")
    page_login(other_client, name)
    url = f"/admin/users/{quote(name, safe='')}"
    page = adam.get(url).text
    assert f">Log {name} out everywhere</button>" in page
    assert f'action="{url}/sessions/end"' in page
    assert sessions_shown(page)[0] == "1 live session"
    response = post_form(adam, f"{url}/sessions/end", {}, page=url, follow_redirects=False)
    assert response.headers["location"] == f"{url}?done=sessions#sessions"
    assert logged_out(other_client)
    # A hostile name in the path is no account: 404, and the name comes back escaped.
    hostile = "/admin/users/" + quote("<img src=x onerror=alert(1)>", safe="")
    shown = adam.get(hostile)
    ended = post_form(adam, f"{hostile}/sessions/end", {}, page="/admin")
    for answer in (shown, ended):
        assert answer.status_code == 404, answer.request.url
        assert "<img" not in answer.text and "&lt;img src=x onerror=alert(1)&gt;" in answer.text
    assert audit(store, "user.sessions_ended") == [
        ("adam", f"user:{name}", {"ended": 1, "kept_own_session": False})
    ]
