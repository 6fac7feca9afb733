"""Fixtures for the web API: each test gets a fresh SQLite store (copied from a template
migrated once per session, with one account of each role and known tokens), a frozen
clock, and the app built by ``create_app`` behind FastAPI's test client.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from starlette.exceptions import StarletteDeprecationWarning
from websupport import FAST_HASHER, SECRET, Clock, copy_database, make_template

from lurewatch.settings import Settings
from lurewatch.store import Store
from lurewatch.web import create_app

with warnings.catch_warnings():
    # Starlette 1.x suggests httpx2 for its test client; lurewatch pins httpx (also its
    # report client's library), which the test client still supports.
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from fastapi.testclient import TestClient


@pytest.fixture(scope="session")
def template_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    make_template(path)
    return path


@pytest.fixture
def db_url(template_db: Path, tmp_path: Path) -> str:
    return copy_database(template_db, tmp_path / "office.db")


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store(db_url: str, clock: Clock) -> Iterator[Store]:
    with Store.open(db_url, now=clock, hasher=FAST_HASHER) as s:
        yield s


@pytest.fixture
def settings() -> Settings:
    return Settings(secret_key=SECRET)


@pytest.fixture
def app(settings: Settings, store: Store, clock: Clock) -> Iterator[FastAPI]:
    app = create_app(settings, store, now=clock)
    yield app
    # Retro-hunts the pages started end before the store closes.
    assert app.state.lurewatch.hunts.wait(), "a retro-hunt was still running"


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, base_url="http://testserver") as c:
        yield c


@pytest.fixture
def other_client(app: FastAPI) -> Iterator[TestClient]:
    """A second browser on the same server: another person, with cookies of their own."""
    with TestClient(app, base_url="http://testserver") as c:
        yield c
