"""Every error the API returns is JSON: ``{"message": "<one line>"}`` and a fitting status.

Errors on the web pages (any path outside ``/api/``, ``/docs`` and
``/openapi.json``) are the same message as an HTML page in the site's layout;
a page that needs a login redirects to ``/login``.

Store errors keep their one-line message (what was wrong, what to do);
invalid input names the field; anything unexpected is a bare 500 whose
details go to the server's log, never to the client.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from lurewatch.ingest.errors import InputError
from lurewatch.store import (
    Conflict,
    InvalidValue,
    NotFound,
    SchemaNotCurrent,
    StoreError,
    StoreUnavailable,
)

log = logging.getLogger("lurewatch.web")

_STORE_STATUS: tuple[tuple[type[StoreError], int], ...] = (
    (NotFound, status.HTTP_404_NOT_FOUND),
    (Conflict, status.HTTP_409_CONFLICT),
    (InvalidValue, status.HTTP_422_UNPROCESSABLE_CONTENT),
    (SchemaNotCurrent, status.HTTP_503_SERVICE_UNAVAILABLE),
    (StoreUnavailable, status.HTTP_503_SERVICE_UNAVAILABLE),
)


_NOT_PAGES = ("/api/", "/docs", "/openapi.json", "/static/")


def _is_page(request: Request) -> bool:
    return not request.url.path.startswith(_NOT_PAGES)


def _answer(
    request: Request, status_code: int, message: str, headers: Mapping[str, str] | None = None
) -> Response:
    if _is_page(request):
        from lurewatch.web.pages.common import error_page

        page = error_page(request, status_code, message)
        for name, value in (headers or {}).items():
            if name.lower() != "www-authenticate":
                page.headers[name] = value
        return page
    return error_response(status_code, message, headers=headers)


def error_response(
    status_code: int, message: str, headers: Mapping[str, str] | None = None, **extra: Any
) -> JSONResponse:
    return JSONResponse({"message": message, **extra}, status_code=status_code, headers=headers)


def _location(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header", "cookie")]
    return ".".join(parts) or str(loc[0] if loc else "request")


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    return _answer(request, exc.status_code, str(exc.detail), headers=exc.headers)


async def _login_required(request: Request, exc: Exception) -> Response:
    from lurewatch.web.pages.common import LoginRequired, login_url

    assert isinstance(exc, LoginRequired)
    return RedirectResponse(login_url(exc.next_path), status_code=status.HTTP_303_SEE_OTHER)


async def _validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    errors = [
        {
            "field": _location(tuple(e.get("loc", ()))),
            "message": str(e.get("msg", "")).removeprefix("Value error, "),
        }
        for e in exc.errors()
    ]
    first = errors[0] if errors else {"field": "request", "message": "invalid"}
    if _is_page(request):
        return _answer(request, 422, f"{first['field']}: {first['message']}")
    return error_response(
        status.HTTP_422_UNPROCESSABLE_CONTENT,
        f"{first['field']}: {first['message']}",
        errors=errors,
    )


async def _store_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StoreError)
    for kind, code in _STORE_STATUS:
        if isinstance(exc, kind):
            if code >= 500:
                log.error("store unavailable: %s", exc)
            return _answer(request, code, str(exc))
    log.exception("store error", exc_info=exc)
    return _answer(request, status.HTTP_500_INTERNAL_SERVER_ERROR, "internal error")


async def _input_error(request: Request, exc: Exception) -> Response:
    return _answer(request, status.HTTP_400_BAD_REQUEST, str(exc))


async def _unexpected(request: Request, exc: Exception) -> Response:
    log.exception("unexpected error on %s %s", request.method, request.url.path, exc_info=exc)
    return _answer(request, status.HTTP_500_INTERNAL_SERVER_ERROR, "internal error")


def install_error_handlers(app: FastAPI) -> None:
    from lurewatch.web.pages.common import LoginRequired

    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(LoginRequired, _login_required)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StoreError, _store_error)
    app.add_exception_handler(InputError, _input_error)
    app.add_exception_handler(Exception, _unexpected)
