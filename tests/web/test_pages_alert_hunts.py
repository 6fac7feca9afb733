"""Retro-hunts started on the alerts pages run in the background, with their state shown."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from fastapi import FastAPI
from test_pages_alerts import EXAMPLE, EXAMPLE_ID, rows_of, settle, submit, upload
from websupport import SECRET, Clock, bearer, contact, page_login, post_form

from lurewatch.exchange import load_alert
from lurewatch.settings import Settings
from lurewatch.store import Store, StoreUnavailable
from lurewatch.web import create_app
from lurewatch.web.middleware import PAGE_CSP

ROOT = Path(__file__).resolve().parents[2]
PAGE = f"/alerts/{quote(EXAMPLE_ID, safe='')}"
API = f"/api/alerts/{quote(EXAMPLE_ID, safe='')}/hunt"
REFRESH = '<meta http-equiv="refresh" content="3">'
AGAIN = "Run the retro-hunt again"


def hunts_of(app: FastAPI) -> Any:
    return app.state.lurewatch.hunts


def test_an_import_answers_at_once_and_the_page_follows_the_hunt_to_its_matches(
    client: Any, app: FastAPI, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    reference = submit(store, "sam", contact("Amanda Qiu", company="BP-YR Executive Search"))
    submit(store, "sam", contact("Avery Lin"))
    # The hunt stops after writing its first progress until the test lets it go on.
    go_on = threading.Event()
    started = threading.Event()
    progress: list[tuple[int, int]] = []
    write_progress = store._set_progress

    def held(alert_pk: int, searched: int, total: int) -> None:
        write_progress(alert_pk, searched, total)
        progress.append((searched, total))
        started.set()
        assert go_on.wait(timeout=30)

    monkeypatch.setattr(store, "_set_progress", held)
    page_login(client, "ana")
    try:
        # The answer comes while the hunt is held: the request does not wait for it.
        response = upload(client, EXAMPLE, follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"] == PAGE
        assert started.wait(timeout=30)  # the worker has counted the reports
        running = client.get(PAGE)
        assert running.headers["content-security-policy"] == PAGE_CSP
        assert "Retro-hunt running: 0 of 2 reports searched." in running.text
        assert REFRESH in running.text
        assert f'<a href="{PAGE}">Refresh</a>' in running.text
        assert AGAIN not in running.text
        assert 'class="alert-matches"' not in running.text
        assert "No stored report names a contact" not in running.text
        state = client.get(API, headers=bearer("ana")).json()
        assert (state["state"], state["searched"], state["total"]) == ("running", 0, 2)
        assert state["requested_by"] == "ana"

        # Asking again while it runs starts no second hunt.
        again = post_form(client, f"{PAGE}/hunt", {}, page="/alerts", follow_redirects=False)
        assert again.status_code == 303 and again.headers["location"] == PAGE
        assert hunts_of(app).running() == 1
    finally:
        go_on.set()
    settle(client)

    assert progress == [(0, 2)]  # one hunt, not two
    assert [e.action for e in store.audit_entries(limit=1000)].count("alert.hunt") == 1
    done = client.get(PAGE).text
    assert REFRESH not in done
    assert AGAIN in done
    assert "The last retro-hunt searched 2 reports; asked for by ana" in done
    [row] = rows_of(done, "alert-matches")
    assert row.startswith("STRONG sam Committee clerks Amanda Qiu") and row.endswith(reference)
    state = client.get(API, headers=bearer("ana")).json()
    assert (state["state"], state["searched"], state["total"], state["error"]) == (
        "done",
        2,
        2,
        None,
    )


def test_an_alert_imported_again_mid_hunt_is_hunted_again_by_the_same_worker(
    client: Any, app: FastAPI, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    reference = submit(store, "sam", contact("Amanda Qiu", company="BP-YR Executive Search"))
    go_on = threading.Event()
    started = threading.Event()
    progress: list[tuple[int, int]] = []
    write_progress = store._set_progress

    def held(alert_pk: int, searched: int, total: int) -> None:
        write_progress(alert_pk, searched, total)
        progress.append((searched, total))
        started.set()
        assert go_on.wait(timeout=30)

    monkeypatch.setattr(store, "_set_progress", held)
    page_login(client, "ana")
    try:
        upload(client, EXAMPLE, follow_redirects=False)
        assert started.wait(timeout=30)
        # The revised alert replaces the one being hunted: its hunt waits for the worker.
        revised = {**json.loads(EXAMPLE), "source": "Revised source (synthetic)"}
        assert (
            upload(client, json.dumps(revised).encode(), follow_redirects=False).status_code == 303
        )
        hunt = store.alert_hunt(EXAMPLE_ID)
        assert hunt is not None and hunt.state == "queued"
        assert hunts_of(app).running() == 1
    finally:
        go_on.set()
    settle(client)
    assert progress == [(0, 1), (0, 1)]  # the first hunt, then the revised alert's
    hunt = store.alert_hunt(EXAMPLE_ID)
    assert hunt is not None and (hunt.state, hunt.searched) == ("done", 1)
    # Only the hunt that finished is in the audit log (the first ended in a conflict).
    assert [e.action for e in store.audit_entries(limit=1000)].count("alert.hunt") == 1
    assert rows_of(client.get(PAGE).text, "alert-matches")[0].endswith(reference)


def test_a_failed_hunt_shows_why_in_one_line_and_runs_again_on_request(
    client: Any, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    reference = submit(store, "sam", contact("Amanda Qiu", company="BP-YR Executive Search"))
    retro_hunt = store.retro_hunt
    failures = [StoreUnavailable("database sqlite:///office.db: disk I/O error\nmore detail")]

    def flaky(alert_id: str, **kw: Any) -> Any:
        if failures:
            raise failures.pop()
        return retro_hunt(alert_id, **kw)

    monkeypatch.setattr(store, "retro_hunt", flaky)
    page_login(client, "ana")
    upload(client, EXAMPLE, follow_redirects=False)
    settle(client)
    page = client.get(PAGE).text
    assert (
        '<p class="error" role="alert">The retro-hunt failed: '
        "database sqlite:///office.db: disk I/O error</p>"
    ) in page
    assert "more detail" not in page and "Traceback" not in page
    assert REFRESH not in page
    assert client.get(API, headers=bearer("ana")).json()["state"] == "failed"

    assert post_form(client, f"{PAGE}/hunt", {}, page=PAGE).status_code == 200
    settle(client)
    page = client.get(PAGE).text
    assert "The retro-hunt failed" not in page
    assert rows_of(page, "alert-matches")[0].endswith(reference)


def test_a_hunt_an_earlier_server_left_running_shows_as_interrupted(
    store: Store, clock: Clock
) -> None:
    from fastapi.testclient import TestClient

    store.import_alert(load_alert(ROOT / "examples" / "alert.json"), actor="ana")
    store.queue_hunt(EXAMPLE_ID, actor="ana")  # the server stopped before a worker took it
    restarted = create_app(Settings(secret_key=SECRET), store, now=clock)
    with TestClient(restarted, base_url="http://testserver") as client:
        page_login(client, "ana")
        page = client.get(PAGE).text
        assert (
            '<p class="error" role="alert">The retro-hunt did not finish: the server stopped '
            "before this retro-hunt finished: run it again</p>"
        ) in page
        assert AGAIN in page and REFRESH not in page
        state = client.get(API, headers=bearer("ana")).json()
        assert (state["state"], state["requested_by"]) == ("interrupted", "ana")
        assert post_form(client, f"{PAGE}/hunt", {}, page=PAGE).status_code == 200
        assert hunts_of(restarted).wait(timeout=30)
        assert client.get(API, headers=bearer("ana")).json()["state"] == "done"


def test_the_api_hunts_are_recorded_and_their_state_can_be_read(client: Any, store: Store) -> None:
    submit(store, "sam", contact("Amanda Qiu", company="BP-YR Executive Search"))
    store.import_alert(load_alert(ROOT / "examples" / "alert.json"), actor="ana")
    assert client.get(API, headers=bearer("ana")).json() == {
        "alert_id": EXAMPLE_ID,
        "state": "none",
        "searched": 0,
        "total": 0,
        "requested_by": None,
        "requested_at": None,
        "started_at": None,
        "finished_at": None,
        "error": None,
    }
    assert client.post("/api/alerts", content=EXAMPLE, headers=bearer("adam")).status_code == 201
    assert client.get(API, headers=bearer("ana")).json() == {
        "alert_id": EXAMPLE_ID,
        "state": "done",
        "searched": 1,
        "total": 1,
        "requested_by": "adam",
        "requested_at": "2026-11-29T09:00:00Z",
        "started_at": "2026-11-29T09:00:00Z",
        "finished_at": "2026-11-29T09:00:00Z",
        "error": None,
    }
    assert client.get(API, headers=bearer("sam")).status_code == 403
    missing = client.get("/api/alerts/nope/hunt", headers=bearer("ana"))
    assert missing.status_code == 404
    assert missing.json() == {"message": "no alert 'nope'"}
