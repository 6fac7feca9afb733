"""Who may do what: tokens, sessions, login limits, the role matrix, and the secret."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

import msgspec
import pytest
from fastapi import FastAPI
from websupport import PASSWORD, ROLE_USER, SECRET, bearer, contact

from lurewatch.model import Alert, Indicator, Level, Persona
from lurewatch.settings import Settings
from lurewatch.sharing import FanoutFile, encode_fanout, lookup_request, parse_key
from lurewatch.store import Store
from lurewatch.store.records import CaseDraft, ReportSubmission, SubmittedContact
from lurewatch.web import ConfigurationError, create_app
from lurewatch.web.sessions import COOKIE_NAME

# -- the role matrix -----------------------------------------------------------------------

ALERT = Alert(
    id="alert-1",
    title="Recruitment personas",
    tlp="TLP:AMBER",
    personas=(Persona(id="p1", name="Avery Lin", company="Bright Path"),),
    indicators=(Indicator(type="wechat", value="avery_lin_hr", persona="p1"),),
)


# The institution key, so that the sharing endpoints answer (without one they are 503).
KEY_HEX = bytes(range(32)).hex()
KEY = parse_key(KEY_HEX)
FANOUT = encode_fanout(FanoutFile(format="lurewatch-fanout/1", key_id=KEY.key_id))
LOOKUP = msgspec.json.encode(lookup_request(KEY, profile_url="linkedin.com/in/avery-lin"))


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    (tmp_path / "institution.key").write_text(KEY_HEX + "\n")
    return Settings(secret_key=SECRET, institution_key_file=tmp_path / "institution.key")


@dataclasses.dataclass(frozen=True)
class Seeded:
    reference: str
    case_id: int
    persona: str
    token_id: int


def seed(store: Store) -> Seeded:
    report = store.submit_report(
        ReportSubmission(
            reporter="sam",
            channel="web",
            contacts=(SubmittedContact(name="Avery Lin", level=Level.HIGH, score=90),),
        )
    )
    case = store.create_case(CaseDraft(title="Avery Lin"), actor="ana")
    store.import_alert(ALERT, actor="ana")
    spare = store.issue_token("kim", "spare", actor="adam")
    return Seeded(report.reference, case.id, store.list_counterparties()[0].key, spare.id)


Call = tuple[str, str, dict[str, Any]]
# (method, route path as declared, minimum role or None for public, the call given seeded data)
ENDPOINTS: list[tuple[str, str, str | None, Callable[[Seeded, str], Call]]] = [
    ("GET", "/api/health", None, lambda s, r: ("GET", "/api/health", {})),
    ("GET", "/api/me", "reporter", lambda s, r: ("GET", "/api/me", {})),
    ("POST", "/api/reports", "reporter",
     lambda s, r: ("POST", "/api/reports", {"json": {"contacts": [contact()]}})),
    ("GET", "/api/reports", "reporter", lambda s, r: ("GET", "/api/reports", {})),
    ("GET", "/api/reports/{reference}", "reporter",
     lambda s, r: ("GET", f"/api/reports/{s.reference}", {})),
    ("POST", "/api/reports/{reference}/verdict", "analyst",
     lambda s, r: ("POST", f"/api/reports/{s.reference}/verdict", {"json": {"template": "received"}})),
    ("GET", "/api/verdict-templates", "analyst", lambda s, r: ("GET", "/api/verdict-templates", {})),
    ("GET", "/api/cases", "analyst", lambda s, r: ("GET", "/api/cases", {})),
    ("POST", "/api/cases", "analyst",
     lambda s, r: ("POST", "/api/cases", {"json": {"title": "New case", "reports": [s.reference]}})),
    ("GET", "/api/cases/{case_id}", "analyst", lambda s, r: ("GET", f"/api/cases/{s.case_id}", {})),
    ("POST", "/api/cases/{case_id}/status", "analyst",
     lambda s, r: ("POST", f"/api/cases/{s.case_id}/status", {"json": {"status": "InProgress"}})),
    ("POST", "/api/cases/{case_id}/assign", "analyst",
     lambda s, r: ("POST", f"/api/cases/{s.case_id}/assign", {"json": {"assignee": "ana"}})),
    ("POST", "/api/cases/{case_id}/notes", "analyst",
     lambda s, r: ("POST", f"/api/cases/{s.case_id}/notes", {"json": {"text": "Called them."}})),
    ("POST", "/api/cases/{case_id}/reports", "analyst",
     lambda s, r: ("POST", f"/api/cases/{s.case_id}/reports", {"json": {"reference": s.reference}})),
    ("GET", "/api/personas", "analyst", lambda s, r: ("GET", "/api/personas", {})),
    ("GET", "/api/personas/{key}", "analyst",
     lambda s, r: ("GET", f"/api/personas/{quote(s.persona)}", {})),
    ("GET", "/api/search", "analyst", lambda s, r: ("GET", "/api/search?q=avery", {})),
    ("POST", "/api/alerts", "analyst",
     lambda s, r: ("POST", "/api/alerts", {"content": b'{"id": "a2", "title": "t"}'})),
    ("GET", "/api/alerts", "analyst", lambda s, r: ("GET", "/api/alerts", {})),
    ("GET", "/api/alerts/{alert_id}/export", "analyst",
     lambda s, r: ("GET", "/api/alerts/alert-1/export?format=stix", {})),
    ("POST", "/api/alerts/{alert_id}/hunt", "analyst",
     lambda s, r: ("POST", "/api/alerts/alert-1/hunt", {})),
    ("GET", "/api/alerts/{alert_id}/matches", "analyst",
     lambda s, r: ("GET", "/api/alerts/alert-1/matches", {})),
    ("GET", "/api/alerts/{alert_id}/hunt", "analyst",
     lambda s, r: ("GET", "/api/alerts/alert-1/hunt", {})),
    ("GET", "/api/users", "admin", lambda s, r: ("GET", "/api/users", {})),
    ("POST", "/api/users", "admin",
     lambda s, r: ("POST", "/api/users", {"json": {"username": f"new-{r}", "role": "reporter"}})),
    ("PATCH", "/api/users/{username}", "admin",
     lambda s, r: ("PATCH", "/api/users/kim", {"json": {"team": "Committee clerks"}})),
    ("GET", "/api/users/{username}/tokens", "admin", lambda s, r: ("GET", "/api/users/kim/tokens", {})),
    ("POST", "/api/users/{username}/tokens", "admin",
     lambda s, r: ("POST", "/api/users/sam/tokens", {"json": {"name": "laptop"}})),
    ("POST", "/api/users/{username}/tokens/{token_id}/revoke", "admin",
     lambda s, r: ("POST", f"/api/users/kim/tokens/{s.token_id}/revoke", {})),
    ("GET", "/api/users/{username}/sessions", "admin",
     lambda s, r: ("GET", "/api/users/sam/sessions", {})),
    ("POST", "/api/users/{username}/sessions/end", "admin",
     lambda s, r: ("POST", "/api/users/sam/sessions/end", {})),
    ("GET", "/api/teams", "admin", lambda s, r: ("GET", "/api/teams", {})),
    ("PUT", "/api/teams/{name}", "admin",
     lambda s, r: ("PUT", "/api/teams/Committee clerks", {"json": {"sensitivity": 4.0}})),
    ("PUT", "/api/verdict-templates/{key}", "admin",
     lambda s, r: ("PUT", "/api/verdict-templates/received", {"json": {"text": "Thank you."}})),
    ("POST", "/api/fanout", "reporter", lambda s, r: ("POST", "/api/fanout", {"content": FANOUT})),
    ("GET", "/api/fanout/findings", "analyst", lambda s, r: ("GET", "/api/fanout/findings", {})),
    ("POST", "/api/lookup", None, lambda s, r: ("POST", "/api/lookup", {"content": LOOKUP})),
]  # fmt: skip
RANK = {None: -1, "reporter": 0, "analyst": 1, "admin": 2}
CALLERS = ["anonymous", "reporter", "analyst", "admin"]


# Logging in and out need no credentials; they have tests of their own below.
SESSION_ENDPOINTS = {("POST", "/api/session"), ("DELETE", "/api/session")}


def test_the_matrix_covers_every_endpoint(app: FastAPI) -> None:
    routes = {
        (method.upper(), path)
        for path, operations in app.openapi()["paths"].items()
        for method in operations
    }
    assert routes == {(m, p) for m, p, _, _ in ENDPOINTS} | SESSION_ENDPOINTS


@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize(
    ("endpoint", "needs", "call"),
    [pytest.param(f"{m} {p}", needs, call, id=f"{m} {p}") for m, p, needs, call in ENDPOINTS],
)
def test_role_matrix(
    client: Any,
    store: Store,
    endpoint: str,
    needs: str | None,
    call: Callable[[Seeded, str], Call],
    caller: str,
) -> None:
    method, url, kwargs = call(seed(store), caller)
    headers = {} if caller == "anonymous" else bearer(ROLE_USER[caller])
    response = client.request(method, url, headers=headers, **kwargs)
    if needs is not None and caller == "anonymous":
        assert response.status_code == 401, response.text
        assert response.headers["www-authenticate"] == "Bearer"
    elif RANK[needs] > RANK.get(caller, -1):
        assert response.status_code == 403, response.text
        assert response.json()["message"] == (
            f"this needs the {needs} role; your account has the {caller} role"
        )
    else:
        assert response.status_code in (200, 201, 204), response.text


# -- tokens --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "header",
    ["Bearer nope", "Bearer ", "Basic c2FtOnB3", "lw_test_token_sam_0123456789abcdef", "Bearer " + "x" * 600],
)  # fmt: skip
def test_a_bad_authorization_header_is_401(client: Any, header: str) -> None:
    response = client.get("/api/me", headers={"Authorization": header})
    assert response.status_code == 401
    assert set(response.json()) == {"message"}


def test_a_token_of_a_deactivated_account_stops_working(client: Any, store: Store) -> None:
    assert client.get("/api/me", headers=bearer("sam")).json()["username"] == "sam"
    store.update_user("sam", is_active=False, actor="adam")
    assert client.get("/api/me", headers=bearer("sam")).status_code == 401


def test_an_admin_issues_a_token_that_works_at_once(client: Any) -> None:
    issued = client.post("/api/users/kim/tokens", json={"name": "PC-42"}, headers=bearer("adam"))
    assert issued.status_code == 201
    token = issued.json()["token"]
    me = client.get("/api/me", headers={"Authorization": f"Bearer {token}"})
    assert me.json()["username"] == "kim"


# -- sessions ------------------------------------------------------------------------------


def log_in(client: Any, username: str = "ana", password: str = PASSWORD) -> Any:
    return client.post("/api/session", json={"username": username, "password": password})


def test_logging_in_sets_an_httponly_samesite_strict_cookie(client: Any) -> None:
    response = log_in(client)
    assert response.status_code == 200
    assert response.json()["username"] == "ana"
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{COOKIE_NAME}=")
    assert "HttpOnly" in cookie
    assert "SameSite=strict" in cookie
    assert "Path=/" in cookie
    assert PASSWORD not in cookie and "ana" not in cookie  # an id, not the account
    assert client.get("/api/me").json()["username"] == "ana"
    assert client.get("/api/cases").status_code == 200


def test_a_forged_or_altered_session_cookie_is_401(client: Any) -> None:
    log_in(client)
    value = client.cookies[COOKIE_NAME]
    session_id, signature = value.split(".")
    for forged in (f"{session_id}.{signature[:-2]}AA", f"{session_id[:-2]}AA.{signature}", "x"):
        client.cookies.set(COOKIE_NAME, forged)
        assert client.get("/api/me").status_code == 401


def test_logging_out_ends_the_session(client: Any) -> None:
    log_in(client)
    value = client.cookies[COOKIE_NAME]
    assert client.delete("/api/session").status_code == 204
    client.cookies.set(COOKIE_NAME, value)  # replaying the old cookie
    assert client.get("/api/me").status_code == 401


def test_sessions_end_when_idle(client: Any, clock: Any) -> None:
    log_in(client)
    clock.advance(hours=1, minutes=59)
    assert client.get("/api/me").status_code == 200
    clock.advance(hours=2, seconds=1)
    assert client.get("/api/me").status_code == 401


def test_a_session_ends_when_its_account_is_deactivated(client: Any, store: Store) -> None:
    log_in(client)
    store.update_user("ana", is_active=False, actor="adam")
    assert client.get("/api/me").status_code == 401


def test_a_cross_site_change_with_the_session_cookie_is_refused(client: Any) -> None:
    log_in(client)
    body = {"title": "from elsewhere"}
    evil = client.post("/api/cases", json=body, headers={"Origin": "https://evil.example"})
    assert evil.status_code == 403
    assert evil.json() == {"message": "cross-site request refused"}
    same = client.post("/api/cases", json=body, headers={"Origin": "http://testserver"})
    assert same.status_code == 201


def test_logging_in_from_another_site_is_refused(client: Any) -> None:
    body = {"username": "ana", "password": PASSWORD}
    evil = client.post("/api/session", json=body, headers={"Origin": "https://evil.example"})
    assert (evil.status_code, evil.json()) == (403, {"message": "cross-site request refused"})
    assert COOKIE_NAME not in client.cookies


def test_wrong_passwords_and_unknown_users_get_the_same_answer(client: Any) -> None:
    wrong = log_in(client, "ana", "wrong")
    unknown = log_in(client, "nobody", "wrong")
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json() == {"message": "wrong username or password"}
    assert COOKIE_NAME not in client.cookies


def test_five_failed_logins_a_minute_then_429(client: Any, clock: Any) -> None:
    for _ in range(5):
        assert log_in(client, "ana", "wrong").status_code == 401
    blocked = log_in(client, "ana", PASSWORD)  # even the right password waits
    assert blocked.status_code == 429
    assert blocked.headers["retry-after"] == "60"
    assert blocked.json() == {
        "message": "too many failed logins for this account: try again in 60 s"
    }
    assert log_in(client, "adam", PASSWORD).status_code == 200  # other accounts are unaffected
    clock.advance(seconds=30)
    assert log_in(client, "ana", PASSWORD).headers["retry-after"] == "30"
    clock.advance(seconds=30)
    assert log_in(client, "ana", PASSWORD).status_code == 200


def test_a_successful_login_clears_earlier_failures(client: Any) -> None:
    for _ in range(4):
        log_in(client, "ana", "wrong")
    assert log_in(client, "ana").status_code == 200
    for _ in range(4):
        assert log_in(client, "ana", "wrong").status_code == 401
    assert log_in(client, "ana").status_code == 200


def test_usernames_are_limited_whatever_their_case(client: Any) -> None:
    for name in ("ana", "ANA", "Ana", "aNa", "anA"):
        log_in(client, name, "wrong")
    assert log_in(client, "ana").status_code == 429


# -- the secret ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("secret", "words"),
    [(None, "no LUREWATCH_SECRET_KEY"), ("", "no LUREWATCH_SECRET_KEY"), ("short", "has 5 characters")],
)  # fmt: skip
def test_create_app_refuses_to_start_without_a_real_secret(
    store: Store, secret: str | None, words: str
) -> None:
    with pytest.raises(ConfigurationError, match=words):
        create_app(Settings(secret_key=secret), store)


def test_demo_mode_makes_its_own_secret(store: Store) -> None:
    assert isinstance(create_app(Settings(demo=True), store), FastAPI)


def test_the_secret_never_shows_in_settings_repr() -> None:
    assert "hunter2" not in repr(Settings(secret_key="hunter2" * 10))


def test_the_secret_comes_from_the_environment() -> None:
    assert Settings.from_env({"LUREWATCH_SECRET_KEY": " s3cret "}).secret_key == "s3cret"
    assert Settings.from_env({}).secret_key is None
