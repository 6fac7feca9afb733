"""Engines for the two supported backends: SQLite (one file, WAL) and PostgreSQL (psycopg 3).

SQLite is set up on every new connection: write-ahead logging so readers
never block the writer, foreign keys enforced, ``synchronous=FULL`` so a
committed report survives a power cut, and a busy timeout so concurrent
writers wait for each other instead of failing. Python's sqlite3 module
opens transactions lazily and only before writes; here the store opens them
itself: ``BEGIN`` for reads and ``BEGIN IMMEDIATE`` for writes, so a writer
takes the write lock first and never fails half-way when another commits.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import msgspec
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import URL, Connection, Engine

from lurewatch.store.errors import InvalidValue

BUSY_TIMEOUT_MS = 30_000
# Connections kept open: one for each of the server's worker threads (lurewatch.web.server),
# so concurrent requests never open and close connections (a PostgreSQL connection is a
# new server process); past that, up to POOL_OVERFLOW more, closed when returned.
POOL_SIZE = 16
POOL_OVERFLOW = 16
# Execution option marking a connection that will write (SQLite: BEGIN IMMEDIATE).
WRITE_OPTION = "lurewatch_write"


def parse_url(url: str) -> URL:
    """A SQLAlchemy URL for a supported backend; ``postgresql://`` means psycopg 3."""
    try:
        parsed = sa.make_url(url)
    except sa.exc.ArgumentError:
        raise InvalidValue(
            f"database URL {url!r} is not a URL: expected sqlite:///path/to/file.db "
            "or postgresql://user:password@host/dbname"
        ) from None
    backend, _, driver = parsed.drivername.partition("+")
    if backend in ("postgresql", "postgres"):
        if driver not in ("", "psycopg"):
            raise InvalidValue(
                f"database URL {display_url(parsed)}: driver {driver!r} is not supported; "
                "use postgresql:// or postgresql+psycopg://"
            )
        return parsed.set(drivername="postgresql+psycopg")
    if backend == "sqlite":
        if parsed.database in (None, "", ":memory:") or (parsed.database or "").startswith(
            "file::memory:"
        ):
            raise InvalidValue(
                "an in-memory SQLite database is lost when closed: "
                "give a file, e.g. sqlite:///lurewatch.db"
            )
        return parsed
    raise InvalidValue(
        f"database URL {display_url(parsed)}: backend {backend!r} is not supported; "
        "use sqlite:///file.db or postgresql://..."
    )


def display_url(url: str | URL) -> str:
    """The URL with its password masked, for messages."""
    try:
        parsed = sa.make_url(url) if isinstance(url, str) else url
    except sa.exc.ArgumentError:
        return "<not a URL>"
    return parsed.render_as_string(hide_password=True)


def sqlite_path(url: URL) -> Path | None:
    """The file of a SQLite URL (None for other backends)."""
    if url.get_backend_name() != "sqlite" or not url.database:
        return None
    return Path(url.database)


def _json_dumps(value: Any) -> str:
    return msgspec.json.encode(value).decode("utf-8")


def create_store_engine(url: str | URL, **options: Any) -> Engine:
    """An engine for ``url`` with the store's connection settings (see the module doc)."""
    parsed = parse_url(url) if isinstance(url, str) else url
    kwargs: dict[str, Any] = {
        "json_serializer": _json_dumps,
        "json_deserializer": msgspec.json.decode,
    }
    if "poolclass" not in options:
        kwargs.update(pool_size=POOL_SIZE, max_overflow=POOL_OVERFLOW)
    if parsed.get_backend_name() == "postgresql":
        kwargs["pool_pre_ping"] = True
    else:
        kwargs["connect_args"] = {"timeout": BUSY_TIMEOUT_MS / 1000}
    kwargs.update(options)
    engine = sa.create_engine(parsed, **kwargs)
    if parsed.get_backend_name() == "sqlite":
        _configure_sqlite(engine)
    return engine


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        # The store issues BEGIN itself (below); sqlite3's own implicit
        # transactions would start too late for a consistent read.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            cursor.execute("PRAGMA synchronous=FULL")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection: Connection) -> None:
        write = connection.get_execution_options().get(WRITE_OPTION, False)
        statement = "BEGIN IMMEDIATE" if write else "BEGIN"
        # Straight to the driver: SQLAlchemy's execution machinery costs more than BEGIN.
        # Its errors (a lock not had within the busy timeout) are wrapped as SQLAlchemy
        # would, so the store reports them as StoreUnavailable like any other.
        try:
            connection.connection.driver_connection.execute(statement)  # type: ignore[union-attr]
        except sqlite3.Error as exc:
            raise sa.exc.DBAPIError.instance(statement, None, exc, sqlite3.Error) from exc


def writer(engine: Engine) -> Engine:
    """The same engine (and pool), marked so transactions take the write lock first."""
    return engine.execution_options(**{WRITE_OPTION: True})
