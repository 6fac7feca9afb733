"""ASGI middleware: a request size limit and security headers on every response."""

from __future__ import annotations

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
    """

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = Headers(scope=scope).get("content-length")
        if declared is not None:
            if not declared.isdigit():
                await error_response(400, "Content-Length: not a number")(scope, receive, send)
                return
            if int(declared) > self.max_bytes:
                response = error_response(413, _too_large(self.max_bytes))
                await response(scope, receive, send)
                return
        received = 0

        async def limited() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise BodyTooLarge(self.max_bytes)
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
            await send(message)

        await self.app(scope, receive, with_headers)
