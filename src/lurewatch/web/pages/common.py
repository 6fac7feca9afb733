"""What every web page shares: templates, the logged-in person, CSRF tokens and form reading.

Pages are for people in a browser; machines use ``/api``. The rules every
page keeps, because much of what they show was written by the adversary:

- Templates are Jinja2 with ``autoescape=True`` and a ``finalize`` that makes
  control and direction-override characters visible in every printed value;
  no template marks a value safe.
- Responses carry a Content-Security-Policy with no ``script-src`` at all
  (:data:`lurewatch.web.middleware.PAGE_CSP`): the pages are readable and
  usable without JavaScript, so any script that slips through cannot run.
- Every form that changes something carries a CSRF token: an HMAC, under a
  key derived from the deployment secret, of a random value kept in an
  HttpOnly ``SameSite=Strict`` cookie. :func:`read_form` refuses a POST whose
  token does not match, or whose ``Origin`` names another site.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from collections.abc import Mapping
from functools import cache
from typing import TYPE_CHECKING, Annotated, Any, cast
from urllib.parse import quote, urlsplit

from fastapi import Depends, HTTPException, Request, status
from fastapi.responses import HTMLResponse
from starlette.datastructures import FormData

from lurewatch.html_report import _safe_text
from lurewatch.store import NotFound
from lurewatch.store.records import Role, User
from lurewatch.web.context import WebContext
from lurewatch.web.deps import ROLE_RANK, same_site
from lurewatch.web.sessions import COOKIE_NAME

if TYPE_CHECKING:
    from jinja2 import Environment

CSRF_COOKIE = "lurewatch_csrf"
CSRF_FIELD = "csrf_token"
_CSRF_PURPOSE = b"lurewatch csrf v1"
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
# Fields a page form may carry and files it may upload (python-multipart's limits).
MAX_FORM_FIELDS = 500
MAX_FORM_FILES = 1


class LoginRequired(Exception):
    """The page needs a logged-in person: answered with a redirect to the login page."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


def context_of(request: Request) -> WebContext:
    return cast(WebContext, request.app.state.lurewatch)


# --- the person ------------------------------------------------------------------------


def _here(request: Request) -> str:
    path = request.url.path
    return f"{path}?{request.url.query}" if request.url.query else path


def page_user(request: Request) -> User:
    """The person logged in with a session cookie; else :class:`LoginRequired`."""
    context = context_of(request)
    cookie = request.cookies.get(COOKIE_NAME)
    session = context.sessions.resolve(cookie) if cookie else None
    if session is None:
        raise LoginRequired(_here(request))
    try:
        user = context.store.get_user(session.username)
    except NotFound:
        user = None
    if user is None or not user.is_active:
        context.sessions.end(cookie or "")
        raise LoginRequired(_here(request))
    request.state.user = user
    return user


PageUser = Annotated[User, Depends(page_user)]


def _page_role(role: Role) -> Any:
    def check(user: PageUser) -> User:
        if ROLE_RANK[user.role] < ROLE_RANK[role]:
            raise HTTPException(
                status.HTTP_403_FORBIDDEN,
                detail=f"This page is for the security office ({role} role); "
                f"your account has the {user.role} role.",
            )
        return user

    return check


PageAnalyst = Annotated[User, Depends(_page_role("analyst"))]
PageAdmin = Annotated[User, Depends(_page_role("admin"))]


def safe_next(value: str | None, default: str = "/") -> str:
    """A path on this site to go to after logging in; anything else gives ``default``."""
    if not value or len(value) > 2000:
        return default
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or not value.startswith("/") or value.startswith("//"):
        return default
    if "\\" in value or any(ord(c) < 32 for c in value):
        return default
    return value


def login_url(next_path: str) -> str:
    return "/login?next=" + quote(safe_next(next_path), safe="/")


# --- CSRF ------------------------------------------------------------------------------


def _csrf_key(request: Request) -> bytes:
    return hmac.new(context_of(request).signing_key, _CSRF_PURPOSE, hashlib.sha256).digest()


def _csrf_seed(request: Request) -> str:
    seed = getattr(request.state, "csrf_seed", None)
    if seed is None:
        seed = request.cookies.get(CSRF_COOKIE)
        if not seed or len(seed) > 100 or not seed.isascii():
            seed = secrets.token_urlsafe(32)
            request.state.csrf_new = True
        request.state.csrf_seed = seed
    return cast(str, seed)


def csrf_token(request: Request) -> str:
    """The token this browser's forms carry (sets the CSRF cookie on the response if new)."""
    mac = hmac.new(_csrf_key(request), _csrf_seed(request).encode("ascii"), hashlib.sha256)
    return mac.hexdigest()


def _csrf_ok(request: Request, token: object) -> bool:
    seed = request.cookies.get(CSRF_COOKIE)
    if not isinstance(token, str) or not seed or len(seed) > 100 or not seed.isascii():
        return False
    expected = hmac.new(_csrf_key(request), seed.encode("ascii"), hashlib.sha256).hexdigest()
    return hmac.compare_digest(token.encode("ascii", "replace"), expected.encode("ascii"))


async def read_form(request: Request) -> FormData:
    """The submitted form, after checking it came from one of this site's own pages.

    403 when the ``Origin`` is another site or the CSRF token is missing or
    wrong (a form left open across a server restart keeps working: the token
    depends on the cookie and the secret, not on the session).
    """
    form = await request.form(max_files=MAX_FORM_FILES, max_fields=MAX_FORM_FIELDS)
    return verified(request, form)


def verified(request: Request, form: FormData) -> FormData:
    """``form`` (parsed by the caller, e.g. with its own upload limits) after the same
    checks as :func:`read_form`: 403 unless it came from one of this site's pages."""
    if not same_site(request) or not _csrf_ok(request, form.get(CSRF_FIELD)):
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            detail="This form has expired or was sent from another site. Go back, reload "
            "the page and try again.",
        )
    return form


Form = Annotated[FormData, Depends(read_form)]


def form_text(form: FormData, name: str, *, max_chars: int = 10_000) -> str:
    """A text field of the form, stripped ("" when absent or a file); 422 when too long.

    Line ends are ``\n``: browsers send a textarea's lines ending ``\r\n``.
    """
    value = form.get(name)
    if not isinstance(value, str):
        return ""
    if len(value) > max_chars:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            detail=f"{name}: over {max_chars:,} characters",
        )
    return value.replace("\r\n", "\n").replace("\r", "\n").strip()


# --- rendering -------------------------------------------------------------------------


def show_time(value: dt.datetime | str | None, *, time: bool = True) -> str:
    """A timestamp as ``29 Nov 2026, 09:00`` (UTC); a date string as given if not ISO."""
    if value is None or value == "":
        return "unknown"
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value)
        except ValueError:
            return str(value)
    if value.tzinfo is not None:
        value = value.astimezone(dt.UTC)
    day = f"{value.day} {_MONTHS[value.month - 1]} {value.year}"
    return f"{day}, {value.hour:02d}:{value.minute:02d}" if time else day


def _finalize(value: object) -> object:
    """Every printed value: markup built by a macro or the chart builder passes as it is
    (its own parts were escaped when it was built); anything else has its controls shown."""
    if hasattr(value, "__html__"):
        return value
    return _safe_text(value)


def _counted(n: int, noun: str, plural: str = "") -> str:
    return f"{n} {noun if n == 1 else plural or noun + 's'}"


@cache
def environment() -> Environment:
    from jinja2 import Environment, PackageLoader, StrictUndefined

    env = Environment(
        loader=PackageLoader("lurewatch.web", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        finalize=_finalize,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["when"] = show_time
    env.filters["day"] = lambda v: show_time(v, time=False)
    env.filters["counted"] = _counted
    env.filters["urlpart"] = lambda v: quote(str(v), safe="")
    return env


def render(
    request: Request,
    template: str,
    values: Mapping[str, Any] | None = None,
    *,
    status_code: int = 200,
    headers: Mapping[str, str] | None = None,
) -> HTMLResponse:
    """The page ``template`` filled with ``values``, plus what the layout needs.

    The layout gets ``user`` (None on the login page), ``csrf_token`` for its
    forms, ``demo`` and ``path``.
    """
    context = context_of(request)
    page = {
        "user": getattr(request.state, "user", None),
        "csrf_token": csrf_token(request),
        "csrf_field": CSRF_FIELD,
        "demo": context.settings.demo,
        "path": request.url.path,
        **(values or {}),
    }
    body = environment().get_template(template).render(page)
    response = HTMLResponse(body, status_code=status_code, headers=dict(headers or {}))
    response.headers["Cache-Control"] = "no-store"
    if getattr(request.state, "csrf_new", False):
        response.set_cookie(
            CSRF_COOKIE,
            request.state.csrf_seed,
            path="/",
            httponly=True,
            samesite="strict",
            secure=request.url.scheme == "https",
        )
    return response


def error_page(request: Request, status_code: int, message: str) -> HTMLResponse:
    """A page saying what went wrong, in the site's layout."""
    titles = {
        400: "That could not be read",
        403: "Not allowed",
        404: "Not found",
        409: "Conflict",
        413: "Too large",
        422: "Please check what you entered",
        429: "Too many attempts",
        503: "The database is unavailable",
    }
    title = titles.get(status_code, "Something went wrong")
    return render(
        request,
        "error.html",
        {"title": title, "message": message, "status_code": status_code},
        status_code=status_code,
    )
