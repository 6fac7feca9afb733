"""Logging in and out (people), who am I (everyone), and a health check."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request, Response, status

from lurewatch.web.deps import ContextDep, CurrentUser, same_site
from lurewatch.web.models import ErrorBody, Health, SessionCreate, UserPublic
from lurewatch.web.sessions import COOKIE_NAME

router = APIRouter(prefix="/api", tags=["session"])


@router.get("/health")
def health() -> Health:
    """The server is up (no credentials needed; says nothing else)."""
    return Health()


@router.post(
    "/session",
    responses={401: {"model": ErrorBody}, 403: {"model": ErrorBody}, 429: {"model": ErrorBody}},
)
def log_in(
    body: SessionCreate, request: Request, response: Response, context: ContextDep
) -> UserPublic:
    """Log in with a username and password: sets the session cookie (HttpOnly, SameSite=Strict).

    After five failed attempts for one username from one client within a
    minute, further attempts get 429 with ``Retry-After`` until the minute is up.
    """
    if not same_site(request):  # no logging people in from another site's page
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail="cross-site request refused")
    client = request.client.host if request.client else "unknown"
    key = (body.username.casefold(), client)
    wait = context.login_limiter.retry_after(key)
    if wait is not None:
        raise HTTPException(
            status.HTTP_429_TOO_MANY_REQUESTS,
            detail=f"too many failed logins for this account: try again in {wait} s",
            headers={"Retry-After": str(wait)},
        )
    user = context.store.verify_password(body.username, body.password)
    if user is None:
        context.login_limiter.failed(key)
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, detail="wrong username or password")
    context.login_limiter.succeeded(key)
    old = request.cookies.get(COOKIE_NAME)
    if old:
        context.sessions.end(old)
    response.set_cookie(
        COOKIE_NAME,
        context.sessions.create(user.username),
        max_age=int(context.sessions.lifetime.total_seconds()),
        path="/",
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )
    return UserPublic.model_validate(user)


@router.delete("/session", status_code=status.HTTP_204_NO_CONTENT)
def log_out(request: Request, response: Response, context: ContextDep) -> None:
    """End the session (if any) and clear its cookie."""
    cookie = request.cookies.get(COOKIE_NAME)
    if cookie:
        context.sessions.end(cookie)
    response.delete_cookie(COOKIE_NAME, path="/", httponly=True, samesite="strict")


@router.get("/me", responses={401: {"model": ErrorBody}})
def me(user: CurrentUser) -> UserPublic:
    """The account the credentials belong to."""
    return UserPublic.model_validate(user)
