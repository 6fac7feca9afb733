"""One set of store tests, run on SQLite and on PostgreSQL.

The ``store`` fixture is parametrized over both backends, so every test that
takes it runs twice. PostgreSQL comes from ``LUREWATCH_TEST_POSTGRES_URL``
(a URL that may create databases) or, failing that, from a throwaway cluster
these fixtures start with Debian's ``initdb`` and ``pg_ctl`` on a free
loopback port (as the ``postgres`` user when running as root); set
``LUREWATCH_TEST_PG_BINDIR`` to use server binaries from elsewhere. Without
either, the PostgreSQL runs are skipped with the reason, except under CI
(``CI`` set), where they fail: CI must test both backends.

Each test gets a fresh, migrated database (SQLite: a copy of a file migrated
once per session; PostgreSQL: a database migrated once per session and
emptied back to its seeded state before each test) and a frozen clock.
"""

from __future__ import annotations

import itertools
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from storesupport import FAST_HASHER, Clock, MakeContact, MakeSubmission, NewDatabase, OpenStore

from lurewatch.scoring import level_for
from lurewatch.store import Store
from lurewatch.store.records import ReportSubmission, SubmittedContact
from pgcluster import Cluster, PostgresUnavailable

BACKENDS = ("sqlite", "postgresql")


# -- PostgreSQL ----------------------------------------------------------------------


def _unavailable(reason: str) -> None:
    message = f"PostgreSQL store tests not run: {reason}"
    if os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no"):
        pytest.fail(message + " (CI is set: PostgreSQL is required)", pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="session")
def pg_admin_url() -> Iterator[str]:
    """A URL of a PostgreSQL database on a server where the tests may create databases."""
    given = os.environ.get("LUREWATCH_TEST_POSTGRES_URL")
    if given:
        yield given
        return
    try:
        cluster = Cluster()
    except PostgresUnavailable as exc:
        _unavailable(str(exc))
    try:
        url = cluster.start()
    except PostgresUnavailable as exc:
        cluster.stop()
        _unavailable(str(exc))
    try:
        yield url
    finally:
        cluster.stop()


def _autocommit(url: str) -> sa.Engine:
    from lurewatch.store.engine import create_store_engine

    return create_store_engine(url, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)


_names = itertools.count(1)


class PostgresDatabases:
    """Databases on the test server: one migrated database emptied before each test
    (creating a database costs a third of a second; emptying one a few milliseconds),
    and empty throwaway databases for the migration tests."""

    def __init__(self, admin_url: str) -> None:
        self.admin_url = admin_url
        self.admin = _autocommit(admin_url)
        self.prefix = f"lw_test_{os.getpid()}"
        self.shared: sa.Engine | None = None
        self.seed: dict[str, list[dict[str, Any]]] = {}

    def url_for(self, name: str) -> str:
        return sa.make_url(self.admin_url).set(database=name).render_as_string(hide_password=False)

    def create(self) -> str:
        """A new, empty database (drop it with :meth:`drop`)."""
        name = f"{self.prefix}_{next(_names)}"
        with self.admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        return self.url_for(name)

    def fresh(self) -> str:
        """The shared migrated database, emptied back to what the migrations leave."""
        from lurewatch.store.engine import create_store_engine
        from lurewatch.store.schema import Base

        if self.shared is None:
            url = self.create()
            Store.open(url, migrate=True).close()
            self.shared = create_store_engine(url, poolclass=sa.pool.NullPool)
            with self.shared.connect() as conn:
                # What the migrations seed (the verdict templates), to put back each time.
                self.seed = {
                    t.name: [dict(r._mapping) for r in conn.execute(sa.select(t))]
                    for t in Base.metadata.sorted_tables
                }
            return url
        tables = ", ".join(f'"{name}"' for name in Base.metadata.tables)
        with self.shared.begin() as conn:
            conn.exec_driver_sql("SET LOCAL lock_timeout = '10s'")
            conn.exec_driver_sql(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")
            for table in Base.metadata.sorted_tables:
                if self.seed.get(table.name):
                    conn.execute(table.insert(), self.seed[table.name])
        return self.shared.url.render_as_string(hide_password=False)

    def drop(self, url: str) -> None:
        name = sa.make_url(url).database
        with self.admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def close(self) -> None:
        if self.shared is not None:
            self.shared.dispose()
            self.drop(self.shared.url.render_as_string(hide_password=False))
        self.admin.dispose()


@pytest.fixture(scope="session")
def pg_databases(pg_admin_url: str) -> Iterator[PostgresDatabases]:
    dbs = PostgresDatabases(pg_admin_url)
    try:
        yield dbs
    finally:
        dbs.close()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    Store.open(f"sqlite:///{path}", migrate=True).close()
    assert not Path(f"{path}-wal").exists(), "the template must be checkpointed to copy it"
    return path


# -- per test ------------------------------------------------------------------------


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def new_database(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[NewDatabase]:
    """Make a fresh database on this test's backend: migrated (default) or empty."""
    made: list[str] = []
    used_shared: list[bool] = []
    names = itertools.count(1)
    dbs: PostgresDatabases | None = None
    if backend == "postgresql":
        dbs = request.getfixturevalue("pg_databases")

    def make(*, migrated: bool = True) -> str:
        if dbs is not None:
            if migrated:
                assert not used_shared, "one migrated PostgreSQL database per test"
                used_shared.append(True)
                return dbs.fresh()
            url = dbs.create()
            made.append(url)
            return url
        path = tmp_path / f"store-{next(names)}.db"
        if migrated:
            shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        else:
            path.touch()  # an empty database, like a fresh PostgreSQL one
        return f"sqlite:///{path}"

    yield make
    if dbs is not None:
        for url in made:
            dbs.drop(url)


@pytest.fixture
def database_url(new_database: NewDatabase) -> str:
    """A fresh, migrated database for this test."""
    return new_database()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def open_store(database_url: str, clock: Clock) -> Iterator[OpenStore]:
    """Open (another) Store on this test's database; all are closed at the end."""
    opened: list[Store] = []
    tokens = itertools.count(1)

    def open_() -> Store:
        store = Store.open(
            database_url,
            now=clock,
            hasher=FAST_HASHER,
            token_source=lambda: f"lw_test-token-{next(tokens):04d}",
        )
        opened.append(store)
        return store

    yield open_
    for store in opened:
        store.close()


@pytest.fixture
def store(open_store: OpenStore) -> Store:
    return open_store()


# -- data ----------------------------------------------------------------------------


def _contact(name: str, url: str | None = None, *, score: int = 80, **kw: Any) -> SubmittedContact:
    return SubmittedContact(name=name, profile_url=url, level=level_for(score), score=score, **kw)


def _submission(reporter: str = "sam", *contacts: SubmittedContact, **kw: Any) -> ReportSubmission:
    return ReportSubmission(
        reporter=reporter,
        channel=kw.pop("channel", "web"),
        contacts=contacts
        or (_contact("Amanda Qiu", "https://www.linkedin.com/in/amanda-qiu-88/"),),
        **kw,
    )


@pytest.fixture
def contact() -> MakeContact:
    """``contact(name, url=None, *, score=80, **fields)``: a contact as a reporter sends it."""
    return _contact


@pytest.fixture
def submission() -> MakeSubmission:
    """``submission(reporter="sam", *contacts, **fields)``: a report (one contact by default)."""
    return _submission


@pytest.fixture
def people(store: Store) -> Store:
    """The store with an admin, two analysts and two reporters in teams."""
    store.set_team("Committee clerks", 3.0, actor="setup")
    store.set_team("Visitor centre", 1.0, actor="setup")
    store.create_user("root", display_name="Office admin", role="admin", actor="setup")
    store.create_user("ana", display_name="Ana Analyst", role="analyst", actor="root")
    store.create_user("ben", display_name="Ben Analyst", role="analyst", actor="root")
    store.create_user(
        "sam", display_name="Sam Carter", role="reporter", team="Committee clerks", actor="root"
    )
    store.create_user(
        "vic", display_name="Vic Guide", role="reporter", team="Visitor centre", actor="root"
    )
    return store
