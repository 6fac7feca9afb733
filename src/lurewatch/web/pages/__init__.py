"""The web pages (server-rendered, readable without JavaScript), one module per area.

:func:`routers` lists them for :func:`lurewatch.web.create_app`; what every
page shares (layout, login, CSRF) is in :mod:`lurewatch.web.pages.common`.
"""

from __future__ import annotations

from importlib import import_module

from fastapi import APIRouter

# Each module defines ``router``; listed here so a new page area is one line.
_MODULES = (
    "auth",
    "triage",
    "cases",
    "alerts",
    "staff",
    "personas",
    "campaigns",
    "dashboard",
    "admin",
    "accounts",
    "fanout",
)


def routers() -> list[APIRouter]:
    return [import_module(f"lurewatch.web.pages.{name}").router for name in _MODULES]
