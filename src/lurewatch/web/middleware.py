"""ASGI middleware: a request size limit and security headers on every response."""

from __future__ import annotations

from collections.abc import Mapping

from starlette.datastructures import Headers, MutableHeaders
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from lurewatch.web.errors import error_response

# The API returns data, never documents to render: nothing in a response may run or load.
API_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
    "Cache-Control": "no-store",
}
# Pages: no script at all, styles and images from this site only, forms post only here.
PAGE_CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)
# The interactive API documentation is the one page that runs (Swagger UI's) script.
_OWN_POLICY_PATHS = frozenset({"/docs", "/docs/oauth2-redirect"})
ALL_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}


def _too_large(limit: int) -> str:
    return f"request body over {limit:,} bytes: send less (e.g. fewer contacts)"


class BodyTooLarge(HTTPException):
    def __init__(self, limit: int) -> None:
        super().__init__(status_code=413, detail=_too_large(limit))


class BodyLimit:
    """Refuse request bodies over ``max_bytes`` with 413, declared or streamed.

    A declared ``Content-Length`` over the limit is answered at once, before
    the app runs; a chunked body is counted as it is read and the read fails
    with :class:`BodyTooLarge` (an HTTP 413 the error handlers render).

    ``uploads`` maps the paths that take files (``POST`` only) to their own,
    larger limit. There a declared length over it fails the first read instead,
    so the page answers with its own 413 page rather than the API's JSON.
    """

    def __init__(
        self, app: ASGIApp, max_bytes: int, uploads: Mapping[str, int] | None = None
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.uploads = dict(uploads or {})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.max_bytes
        upload = scope.get("method") == "POST" and scope.get("path") in self.uploads
        if upload:
            limit = self.uploads[scope["path"]]
        declared = Headers(scope=scope).get("content-length")
        if declared is not None:
            if not declared.isdigit():
                await error_response(400, "Content-Length: not a number")(scope, receive, send)
                return
            if int(declared) > limit and not upload:
                response = error_response(413, _too_large(limit))
                await response(scope, receive, send)
                return
        received = 0 if declared is None or int(declared) <= limit else limit + 1

        async def limited() -> Message:
            nonlocal received
            if received > limit:
                raise BodyTooLarge(limit)
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        await self.app(scope, limited, send)


class SecurityHeaders:
    """Headers that keep a browser from running or framing anything the server returns."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = str(scope.get("path", ""))
        is_api = path.startswith("/api/")
        is_page = not is_api and path not in _OWN_POLICY_PATHS

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in ALL_HEADERS.items():
                    headers.setdefault(name, value)
                if is_api:
                    for name, value in API_HEADERS.items():
                        headers[name] = value
                elif is_page:
                    headers["Content-Security-Policy"] = PAGE_CSP
                    # Browsers send "Origin: null" on a form post under no-referrer, which
                    # the same-site check must refuse; same-origin still leaks nothing out.
                    headers["Referrer-Policy"] = "same-origin"
            await send(message)

        await self.app(scope, receive, with_headers)
