"""Alembic environment: runs on the connection the store hands over (see migrate.py)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import text
from sqlalchemy.engine import Connection

from lurewatch.store.engine import WRITE_OPTION, create_store_engine, writer
from lurewatch.store.schema import Base

# Any fixed number: concurrent `db upgrade` runs on PostgreSQL take turns on it.
_PG_LOCK = 0x6C77_6462  # "lwdb"


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_LOCK})
        context.run_migrations()


def run() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run(connection.execution_options(**{WRITE_OPTION: True}))
        return
    url = context.config.get_main_option("sqlalchemy.url")
    if url is None:
        raise SystemExit("set sqlalchemy.url, or run migrations with 'lurewatch db upgrade'")
    if context.is_offline_mode():
        context.configure(url=url, target_metadata=Base.metadata, literal_binds=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = writer(create_store_engine(url))
    try:
        with engine.connect() as conn:
            _run(conn)
    finally:
        engine.dispose()


run()
