"""Logging in and out through the pages: CSRF, safe redirects, rate limits, security headers."""

from __future__ import annotations

from typing import Any

from websupport import PASSWORD, csrf_from, page_login, post_form

from lurewatch.web.middleware import PAGE_CSP


def test_a_page_needing_login_redirects_to_the_login_page_and_back(client: Any) -> None:
    response = client.get("/?level=high", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/%3Flevel%3Dhigh"
    token = csrf_from(client.get(response.headers["location"]).text)
    after = client.post(
        "/login",
        data={"username": "ana", "password": PASSWORD, "csrf_token": token, "next": "/?level=high"},
        follow_redirects=False,
    )
    assert after.status_code == 303
    assert after.headers["location"] == "/?level=high"
    cookie = after.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie


def test_each_role_lands_where_it_works(client: Any) -> None:
    page_login(client, "sam")
    assert client.get("/", follow_redirects=False).headers["location"] == "/check"
    client.cookies.clear()
    page_login(client, "ana")
    assert client.get("/", follow_redirects=False).headers["location"] == "/queue"


def test_login_form_without_a_valid_csrf_token_is_refused(client: Any) -> None:
    client.get("/login")  # sets the CSRF cookie
    for token in ("", "0" * 64, "not-a-token"):
        response = client.post(
            "/login", data={"username": "ana", "password": PASSWORD, "csrf_token": token}
        )
        assert response.status_code == 403
        assert "This form has expired" in response.text
        assert "text/html" in response.headers["content-type"]


def test_a_token_from_another_browser_does_not_work(client: Any, app: Any) -> None:
    from fastapi.testclient import TestClient

    with TestClient(app, base_url="http://testserver") as other:
        token = csrf_from(other.get("/login").text)
    client.get("/login")
    response = client.post(
        "/login", data={"username": "ana", "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 403


def test_a_form_posted_from_another_site_is_refused(client: Any) -> None:
    token = csrf_from(client.get("/login").text)
    response = client.post(
        "/login",
        data={"username": "ana", "password": PASSWORD, "csrf_token": token},
        headers={"Origin": "https://attacker.example"},
    )
    assert response.status_code == 403


def test_redirect_after_login_stays_on_this_site(client: Any) -> None:
    for target in (
        "https://attacker.example/",
        "//attacker.example/x",
        "/\\attacker.example",
        "javascript:alert(1)",
    ):
        token = csrf_from(client.get("/login").text)
        response = client.post(
            "/login",
            data={"username": "ana", "password": PASSWORD, "csrf_token": token, "next": target},
            follow_redirects=False,
        )
        assert response.status_code == 303
        assert response.headers["location"] == "/queue", target
        client.cookies.delete("lurewatch_session")


def test_wrong_password_then_rate_limit(client: Any) -> None:
    for _ in range(5):
        response = post_form(
            client, "/login", {"username": "ana", "password": "wrong"}, page="/login"
        )
        assert response.status_code == 401
        assert "Wrong username or password" in response.text
    response = post_form(client, "/login", {"username": "ana", "password": PASSWORD}, page="/login")
    assert response.status_code == 429
    assert int(response.headers["retry-after"]) > 0


def test_logout_ends_the_session(client: Any) -> None:
    page_login(client, "ana")
    assert client.get("/", follow_redirects=False).status_code == 303
    token = csrf_from(client.get("/login").text)
    session = client.cookies.get("lurewatch_session")
    response = client.post("/logout", data={"csrf_token": token}, follow_redirects=False)
    assert response.headers["location"] == "/login"
    client.cookies.set("lurewatch_session", session)  # a stolen copy of the cookie is dead too
    assert client.get("/", follow_redirects=False).headers["location"].startswith("/login")


def test_pages_forbid_scripts_and_framing(client: Any) -> None:
    response = client.get("/login")
    assert response.headers["content-security-policy"] == PAGE_CSP
    assert "script-src" not in PAGE_CSP and "default-src 'none'" in PAGE_CSP
    assert response.headers["x-frame-options"] == "DENY"
    # Under no-referrer a browser posts forms with "Origin: null", which the CSRF check refuses.
    assert response.headers["referrer-policy"] == "same-origin"
    assert "<script" not in response.text
    css = client.get("/static/lurewatch.css")
    assert css.status_code == 200 and "text/css" in css.headers["content-type"]


def test_a_reporter_is_refused_an_office_page_with_an_html_error(client: Any) -> None:
    page_login(client, "sam")
    response = client.get("/static/../../etc/passwd")
    assert response.status_code == 404
    page = client.get("/unknown-page")
    assert page.status_code == 404 and "text/html" in page.headers["content-type"]
    api = client.get("/api/unknown")
    assert api.status_code == 404 and api.json()["message"]
