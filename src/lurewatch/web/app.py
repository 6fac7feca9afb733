"""The composition root: :func:`create_app` builds the API from explicit settings and a store."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from lurewatch.office import ReportIntake
from lurewatch.settings import Settings
from lurewatch.store import Store
from lurewatch.store.core import system_clock
from lurewatch.web import pages
from lurewatch.web.context import Clock, WebContext
from lurewatch.web.errors import install_error_handlers
from lurewatch.web.hunts import HuntRunner
from lurewatch.web.middleware import BodyLimit, SecurityHeaders
from lurewatch.web.models import ValidationErrorBody, record_schemas
from lurewatch.web.ratelimit import LoginLimiter
from lurewatch.web.routes import admin, alerts, cases, personas, reports, session, sharing
from lurewatch.web.sessions import SessionStore, signing_key

DESCRIPTION = """\
The security office's API: staff report approaches; analysts triage reports,
work cases, follow personas across reports and import or export alerts;
admins manage accounts, teams and the wording of verdicts.

Authenticate with `Authorization: Bearer <token>` (an API token an admin
issues) or log in with `POST /api/session` (a session cookie). Roles are
ordered: reporter < analyst < admin. Errors are JSON: `{"message": "..."}`.
"""


_REF = "#/components/schemas/{model}"


class LurewatchAPI(FastAPI):
    """FastAPI, with the msgspec records the API carries added to the OpenAPI components."""

    def openapi(self) -> dict[str, Any]:
        if self.openapi_schema is None:
            schema = super().openapi()
            components = schema.setdefault("components", {}).setdefault("schemas", {})
            for name, body in record_schemas().items():
                components.setdefault(name, body)
            # FastAPI documents its own 422 body; the API answers with ValidationErrorBody.
            invalid = ValidationErrorBody.model_json_schema(ref_template=_REF)
            components.update(invalid.pop("$defs", {}))
            components["HTTPValidationError"] = invalid
            components.pop("ValidationError", None)
            self.openapi_schema = schema
        return self.openapi_schema


def create_app(settings: Settings, store: Store, *, now: Clock = system_clock) -> FastAPI:
    """The web app over ``store``, configured by ``settings`` alone.

    Raises :class:`~lurewatch.web.sessions.ConfigurationError` when
    ``settings.secret_key`` is missing or too short and ``settings.demo`` is
    off: the server refuses to start rather than sign sessions with a guessable
    key. ``now`` is the clock for sessions, login limits and export
    timestamps (tests freeze it).

    Retro-hunts an earlier server left queued or running are marked
    interrupted here (:class:`~lurewatch.web.hunts.HuntRunner`): one app per
    database at a time.
    """
    key = signing_key(settings)
    sessions = SessionStore(store, key, now)
    app = LurewatchAPI(
        title="lurewatch security office",
        version="1",
        description=DESCRIPTION,
        docs_url="/docs",
        redoc_url=None,
        openapi_url="/openapi.json",
    )
    app.state.lurewatch = WebContext(
        settings=settings,
        store=store,
        intake=ReportIntake(store),
        sessions=sessions,
        signing_key=key,
        login_limiter=LoginLimiter(now),
        now=now,
        hunts=HuntRunner(store),
    )
    # The institution key for fan-out files and anonymous lookups (503 there without one).
    app.state.sharing = sharing.sharing_state(settings, now)
    sharing.install_access_log_redaction()
    install_error_handlers(app)
    for module in (session, reports, cases, personas, alerts, admin, sharing):
        app.include_router(module.router)
    for router in pages.routers():
        app.include_router(router)
    app.mount("/static", StaticFiles(packages=[("lurewatch.web", "static")]), name="static")
    # Added last is outermost: headers go on every response, even a refused upload.
    # The check page takes a whole LinkedIn export: its own, larger limit.
    app.add_middleware(
        BodyLimit,
        max_bytes=settings.max_request_bytes,
        uploads={"/check": settings.max_upload_bytes},
    )
    app.add_middleware(SecurityHeaders)
    return app
