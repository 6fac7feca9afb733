"""Login sessions kept in the database: they outlive a server restart, and end as before."""

from __future__ import annotations

import hashlib
import warnings
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from starlette.exceptions import StarletteDeprecationWarning
from websupport import FAST_HASHER, SECRET, Clock, page_login, post_form

from lurewatch.settings import Settings
from lurewatch.store import Store
from lurewatch.web import create_app
from lurewatch.web.sessions import COOKIE_NAME

with warnings.catch_warnings():
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from fastapi.testclient import TestClient

Restart = Callable[..., Any]


@pytest.fixture
def restart(db_url: str, clock: Clock) -> Iterator[Restart]:
    """``restart(secret=SECRET)``: a new store and app over this test's database, as a
    server process started afresh would build them, and a browser (TestClient) on it."""
    with ExitStack() as stack:

        def start(secret: str = SECRET) -> Any:
            store = stack.enter_context(Store.open(db_url, now=clock, hasher=FAST_HASHER))
            app: FastAPI = create_app(Settings(secret_key=secret), store, now=clock)
            stack.callback(app.state.lurewatch.hunts.wait)
            return stack.enter_context(TestClient(app, base_url="http://testserver"))

        yield start


def test_a_login_outlives_a_server_restart(
    client: Any, store: Store, restart: Restart, clock: Clock
) -> None:
    page_login(client, "ana")
    cookie = client.cookies[COOKIE_NAME]
    store.close()  # the server stops; nothing about the session stays in its memory
    clock.advance(minutes=5)
    browser = restart()
    browser.cookies.set(COOKIE_NAME, cookie)
    assert browser.get("/api/me").json()["username"] == "ana"
    assert browser.get("/queue", follow_redirects=False).status_code == 200
    # Logging out on the new server ends the session for good.
    assert browser.delete("/api/session").status_code == 204
    again = restart()
    again.cookies.set(COOKIE_NAME, cookie)
    assert again.get("/api/me").status_code == 401
    assert again.get("/queue", follow_redirects=False).headers["location"].startswith("/login")


def test_a_new_secret_logs_everyone_out(client: Any, restart: Restart) -> None:
    page_login(client, "ana")
    browser = restart("another-secret-" + "y" * 40)
    browser.cookies.set(COOKIE_NAME, client.cookies[COOKIE_NAME])
    assert browser.get("/api/me").status_code == 401


def test_the_database_holds_the_session_ids_hash_not_the_id(client: Any, store: Store) -> None:
    page_login(client, "ana")
    session_id = client.cookies[COOKIE_NAME].partition(".")[0]
    with store.engine.connect() as conn:
        stored = [tuple(r) for r in conn.execute(sa.text("SELECT * FROM login_sessions"))]
    assert len(stored) == 1
    assert hashlib.sha256(session_id.encode()).hexdigest() in stored[0]
    assert session_id not in " ".join(str(v) for v in stored[0])


def test_a_cookie_with_a_bad_signature_never_reaches_the_database(
    client: Any, store: Store
) -> None:
    page_login(client, "ana")
    session_id, _, signature = client.cookies[COOKIE_NAME].partition(".")
    sent: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        sent.append(statement)

    client.cookies.set(COOKIE_NAME, f"{session_id}.{signature[:-2]}AA")
    sa.event.listen(store.engine, "before_cursor_execute", record)
    try:
        assert client.get("/api/me").status_code == 401
        assert client.delete("/api/session").status_code == 204
    finally:
        sa.event.remove(store.engine, "before_cursor_execute", record)
    assert sent == []
    client.cookies.set(COOKIE_NAME, f"{session_id}.{signature}")
    assert client.get("/api/me").status_code == 200  # the forged logout ended nothing


def test_a_password_reset_on_a_restarted_server_ends_earlier_sessions(
    other_client: Any, restart: Restart
) -> None:
    page_login(other_client, "sam")
    admin = restart()
    page_login(admin, "adam")
    response = post_form(admin, "/admin/users/sam/password", {}, page="/admin/users/sam")
    assert response.status_code == 200
    assert other_client.get("/api/me").status_code == 401
    assert admin.get("/api/me").json()["username"] == "adam"  # the admin's own is kept


def test_deactivating_an_account_ends_its_sessions_even_once_reactivated(
    client: Any, other_client: Any, store: Store
) -> None:
    page_login(client, "adam")
    page_login(other_client, "sam")
    for active in ("0", "1"):
        response = post_form(
            client,
            "/admin/users/sam/active",
            {"active": active, "back": "account"},
            page="/admin/users/sam",
            follow_redirects=False,
        )
        assert response.status_code == 303
    assert store.get_user("sam").is_active
    assert other_client.get("/api/me").status_code == 401
    assert client.get("/api/me").json()["username"] == "adam"


def test_an_idle_session_ends_on_the_pages_too(client: Any, clock: Clock) -> None:
    page_login(client, "ana")
    clock.advance(hours=1, minutes=59)
    assert client.get("/queue", follow_redirects=False).status_code == 200
    clock.advance(hours=2, seconds=1)
    assert client.get("/queue", follow_redirects=False).headers["location"].startswith("/login")
