"""Migrations agree with the ORM models; connections are set up as documented."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from storesupport import NewDatabase

from lurewatch.settings import DEFAULT_DATABASE_URL, Settings
from lurewatch.store import InvalidValue, SchemaNotCurrent, Store
from lurewatch.store.engine import create_store_engine, parse_url
from lurewatch.store.migrate import alembic_config, current_revision, head_revision, upgrade
from lurewatch.store.schema import Base

ROOT = Path(__file__).resolve().parents[2]


def _differences(url: str) -> list[object]:
    engine = create_store_engine(url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            return list(compare_metadata(context, Base.metadata))
    finally:
        engine.dispose()


def test_the_migrated_schema_matches_the_models(new_database: NewDatabase) -> None:
    url = new_database(migrated=False)
    Store.open(url, migrate=True).close()
    assert _differences(url) == []


def test_the_migrations_go_down_and_up_again(new_database: NewDatabase) -> None:
    url = new_database(migrated=False)
    engine = create_store_engine(url)
    try:
        assert upgrade(engine) == head_revision()
        config = alembic_config()
        with engine.connect() as conn:
            config.attributes["connection"] = conn
            command.downgrade(config, "base")
            conn.commit()
        assert current_revision(engine) is None
        assert set(sa.inspect(engine).get_table_names()) <= {"alembic_version"}
        assert upgrade(engine) == head_revision()
    finally:
        engine.dispose()
    assert _differences(url) == []


def test_a_database_behind_the_code_is_refused_until_upgraded(new_database: NewDatabase) -> None:
    url = new_database(migrated=False)
    with pytest.raises(SchemaNotCurrent, match=r"revision none \(empty\).*lurewatch db upgrade"):
        Store.open(url)
    Store.open(url, migrate=True).close()
    Store.open(url).close()  # now current: opens without migrating


def test_a_missing_sqlite_file_is_not_created_by_opening(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.db"
    with pytest.raises(SchemaNotCurrent, match=r"no database at .*nowhere\.db"):
        Store.open(f"sqlite:///{path}")
    assert not path.exists()


def test_sqlite_connections_use_wal_foreign_keys_and_a_busy_timeout(tmp_path: Path) -> None:
    store = Store.open(f"sqlite:///{tmp_path / 'x.db'}", migrate=True)
    try:
        with store.engine.connect() as conn:
            pragmas = {
                p: conn.exec_driver_sql(f"PRAGMA {p}").scalar()
                for p in ("journal_mode", "foreign_keys", "busy_timeout", "synchronous")
            }
    finally:
        store.close()
    assert pragmas == {
        "journal_mode": "wal",
        "foreign_keys": 1,
        "busy_timeout": 30000,
        "synchronous": 2,
    }


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("sqlite://", "in-memory SQLite"),
        ("sqlite:///:memory:", "in-memory SQLite"),
        ("mysql://u@h/db", "backend 'mysql' is not supported"),
        ("postgresql+psycopg2://u:secret@h/db", r"postgresql\+psycopg2://u:\*\*\*@h/db: driver"),
        ("not a url", "is not a URL"),
    ],
)
def test_unsupported_urls_are_refused_with_the_reason(url: str, message: str) -> None:
    with pytest.raises(InvalidValue, match=message):
        parse_url(url)


def test_postgresql_urls_use_psycopg_3() -> None:
    assert parse_url("postgresql://u@h/db").drivername == "postgresql+psycopg"
    assert parse_url("postgres://u@h/db").drivername == "postgresql+psycopg"


def test_settings_name_the_database() -> None:
    assert Settings().database_url == DEFAULT_DATABASE_URL == "sqlite:///lurewatch.db"
    env = {"LUREWATCH_DATABASE_URL": "postgresql://lw@db/lw"}
    assert Settings.from_env(env).database_url == "postgresql://lw@db/lw"
    assert Settings.from_env({}).database_url == DEFAULT_DATABASE_URL


def test_domain_code_never_imports_the_store() -> None:
    code = (
        "import sys, lurewatch.model, lurewatch.scoring, lurewatch.rules.engine, "
        "lurewatch.detectors.registry, lurewatch.service, lurewatch.scan; "
        "print(sorted(m for m in sys.modules if m.startswith(('lurewatch.store', 'sqlalchemy'))))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"


def test_the_migrations_ship_with_the_package() -> None:
    text = (ROOT / "pyproject.toml").read_text()
    data = re.search(r"\[tool\.setuptools\.package-data\]\nlurewatch = \[(.*?)\]", text, re.S)
    assert data is not None
    for pattern in ("store/migrations/*.py", "store/migrations/script.py.mako"):
        assert f'"{pattern}"' in data.group(1)
    assert '"store/migrations/versions/*.py"' in data.group(1)


def test_every_table_is_documented() -> None:
    doc = (ROOT / "docs" / "store.md").read_text()
    for table in Base.metadata.tables:
        assert f"`{table}`" in doc, table
