"""Running the web app under uvicorn, as ``lurewatch serve`` does."""

from __future__ import annotations

from fastapi import FastAPI

from lurewatch.settings import Settings
from lurewatch.store import Store
from lurewatch.web.app import create_app
from lurewatch.web.sessions import signing_key


def open_app(settings: Settings) -> tuple[FastAPI, Store]:
    """The app and the store it runs on; close the store when the server stops.

    The secret is checked before the database is touched
    (:class:`~lurewatch.web.sessions.ConfigurationError`); a database that is
    missing or behind raises a StoreError, except in demo mode, which creates
    or upgrades it.
    """
    signing_key(settings)
    store = Store.open(settings.database_url, migrate=settings.demo)
    try:
        return create_app(settings, store), store
    except BaseException:
        store.close()
        raise


def run(app: FastAPI, *, host: str, port: int) -> None:
    """Serve ``app`` on ``host:port`` in this process until interrupted.

    One process on purpose: login sessions live in its memory.
    """
    import uvicorn

    config = uvicorn.Config(
        app, host=host, port=port, server_header=False, log_level="info", lifespan="off"
    )
    uvicorn.Server(config).run()
