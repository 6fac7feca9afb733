"""Running the web app under uvicorn, as ``lurewatch serve`` does."""

from __future__ import annotations

import asyncio

import anyio.to_thread
from fastapi import FastAPI

from lurewatch.settings import Settings
from lurewatch.store import Store
from lurewatch.store.engine import POOL_SIZE
from lurewatch.web.app import create_app
from lurewatch.web.sessions import signing_key

# As many as the store keeps connections (lurewatch.store.engine.POOL_SIZE).
WORKER_THREADS = POOL_SIZE


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

    One process on purpose: a second gave no more throughput (see the README's
    figures), the retro-hunt runner marks hunts an earlier process left
    running as interrupted when it starts (:mod:`lurewatch.web.hunts`), and
    the login limiter counts failures in memory. Login sessions are in the
    database and outlive a restart.
    """
    import uvicorn

    config = uvicorn.Config(
        app, host=host, port=port, server_header=False, log_level="info", lifespan="off"
    )
    server = uvicorn.Server(config)

    async def serve() -> None:
        # Request handlers that touch the database run in this many threads. More only
        # contend for the interpreter and the connection pool; fewer would shrink the
        # batches the report intake commits together (lurewatch.store.groupcommit).
        anyio.to_thread.current_default_thread_limiter().total_tokens = WORKER_THREADS
        await server.serve()

    with asyncio.Runner(loop_factory=config.get_loop_factory()) as runner:
        runner.run(serve())
