"""Named dependencies for route handlers: who is asking, with which role, and the store.

Handlers declare what they need by type, e.g. ``def handler(user: AnalystUser,
store: StoreDep)``; a request without valid credentials gets 401, one whose
role is too low 403. Roles are ordered: an analyst may do whatever a
reporter may, an admin whatever an analyst may.

Credentials are an ``Authorization: Bearer <token>`` header (machines and the
command line; checked with :meth:`Store.user_for_token`) or the session
cookie set by ``POST /api/session`` (people). A request sent with the
session cookie that changes something must come from this site: the cookie is
``SameSite=Strict``, and an ``Origin`` header naming another site is refused.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, cast

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import APIKeyCookie, HTTPBearer

from lurewatch.settings import Settings
from lurewatch.store import NotFound, Store
from lurewatch.store.records import Role, User
from lurewatch.web.context import Clock, WebContext
from lurewatch.web.sessions import COOKIE_NAME

ROLE_RANK: dict[str, int] = {"reporter": 0, "analyst": 1, "admin": 2}
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
MAX_TOKEN_CHARS = 512

# Declared for the OpenAPI description (the "Authorize" button); parsed below by hand
# so that a malformed header is a 401 rather than silently ignored.
_bearer_scheme = HTTPBearer(auto_error=False, description="An API token: Bearer <token>.")
_cookie_scheme = APIKeyCookie(
    name=COOKIE_NAME, auto_error=False, description="Set by POST /api/session."
)


# Dependencies that do no I/O are coroutines: FastAPI runs a plain function in its
# thread pool, a hop that costs more than the lookup itself, on every request.
async def get_context(request: Request) -> WebContext:
    return cast(WebContext, request.app.state.lurewatch)


ContextDep = Annotated[WebContext, Depends(get_context)]


async def get_store(context: ContextDep) -> Store:
    return context.store


async def get_settings(context: ContextDep) -> Settings:
    return context.settings


async def get_clock(context: ContextDep) -> Clock:
    return context.now


StoreDep = Annotated[Store, Depends(get_store)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
ClockDep = Annotated[Clock, Depends(get_clock)]


def unauthorized(message: str) -> HTTPException:
    return HTTPException(
        status.HTTP_401_UNAUTHORIZED, detail=message, headers={"WWW-Authenticate": "Bearer"}
    )


def same_site(request: Request) -> bool:
    """False when the request's ``Origin`` names another site than the one it was sent to."""
    origin = request.headers.get("origin")
    if origin is None:
        return True  # not a browser's cross-site request: browsers send Origin on those
    host = request.headers.get("host", "")
    return origin.split("://", 1)[-1] == host


def _token_user(store: Store, header: str) -> User:
    scheme, _, token = header.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise unauthorized("Authorization header: expected 'Bearer <token>'")
    user = None if len(token) > MAX_TOKEN_CHARS else store.user_for_token(token)
    if user is None:
        raise unauthorized("the API token is unknown or revoked, or its account is deactivated")
    return user


def current_user(
    request: Request,
    context: ContextDep,
    _bearer: Annotated[object, Depends(_bearer_scheme)],
    _cookie: Annotated[object, Depends(_cookie_scheme)],
) -> User:
    """The user making the request (401 without valid credentials)."""
    header = request.headers.get("authorization")
    if header is not None:
        return _token_user(context.store, header)
    cookie = request.cookies.get(COOKIE_NAME)
    if not cookie:
        raise unauthorized("log in (POST /api/session) or send 'Authorization: Bearer <token>'")
    session = context.sessions.resolve(cookie)
    if session is None:
        raise unauthorized("your session has ended: log in again")
    if request.method not in _SAFE_METHODS and not same_site(request):
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail="cross-site request refused")
    try:
        user = context.store.get_user(session.username)
    except NotFound:
        user = None
    if user is None or not user.is_active:
        context.sessions.end(cookie)
        raise unauthorized("your account is no longer active")
    return user


CurrentUser = Annotated[User, Depends(current_user)]


def has_role(user: User, role: Role) -> bool:
    """Whether ``user`` may act as ``role`` (roles are ordered reporter < analyst < admin)."""
    return ROLE_RANK[user.role] >= ROLE_RANK[role]


def _require(role: Role) -> Callable[[User], Awaitable[User]]:
    async def check(user: CurrentUser) -> User:
        if not has_role(user, role):
            raise HTTPException(
                status.HTTP_403_FORBIDDEN,
                detail=f"this needs the {role} role; your account has the {user.role} role",
            )
        return user

    return check


AnalystUser = Annotated[User, Depends(_require("analyst"))]
AdminUser = Annotated[User, Depends(_require("admin"))]
