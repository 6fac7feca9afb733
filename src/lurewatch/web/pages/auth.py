"""Logging in and out with a form, and the home page that sends each role where it works."""

from __future__ import annotations

from fastapi import APIRouter, Request, status
from fastapi.responses import RedirectResponse, Response

from lurewatch.web.deps import ROLE_RANK
from lurewatch.web.pages.common import (
    Form,
    PageUser,
    context_of,
    form_text,
    render,
    safe_next,
)
from lurewatch.web.sessions import COOKIE_NAME

router = APIRouter(include_in_schema=False)


def home_for(role: str) -> str:
    """Where a person lands after logging in: staff check and report, the office triages."""
    return "/queue" if ROLE_RANK.get(role, 0) >= ROLE_RANK["analyst"] else "/check"


@router.get("/")
def home(user: PageUser) -> Response:
    return RedirectResponse(home_for(user.role), status_code=status.HTTP_303_SEE_OTHER)


@router.get("/login")
def login_page(request: Request, next: str = "") -> Response:
    return render(request, "login.html", {"next": safe_next(next, ""), "error": None})


@router.post("/login")
def log_in(request: Request, form: Form) -> Response:
    """Check the password (rate-limited per username and client) and start a session."""
    context = context_of(request)
    username = form_text(form, "username", max_chars=200)
    password = form_text(form, "password", max_chars=1000)
    next_path = safe_next(form_text(form, "next", max_chars=2000), "")
    client = request.client.host if request.client else "unknown"
    key = (username.casefold(), client)
    wait = context.login_limiter.retry_after(key)
    if wait is not None:
        return render(
            request,
            "login.html",
            {"next": next_path, "error": f"Too many failed attempts: try again in {wait} s."},
            status_code=status.HTTP_429_TOO_MANY_REQUESTS,
            headers={"Retry-After": str(wait)},
        )
    user = context.store.verify_password(username, password) if username else None
    if user is None:
        context.login_limiter.failed(key)
        return render(
            request,
            "login.html",
            {"next": next_path, "error": "Wrong username or password."},
            status_code=status.HTTP_401_UNAUTHORIZED,
        )
    context.login_limiter.succeeded(key)
    old = request.cookies.get(COOKIE_NAME)
    if old:
        context.sessions.end(old)
    response = RedirectResponse(
        next_path or home_for(user.role), status_code=status.HTTP_303_SEE_OTHER
    )
    response.set_cookie(
        COOKIE_NAME,
        context.sessions.create(user.username),
        max_age=int(context.sessions.lifetime.total_seconds()),
        path="/",
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )
    return response


@router.post("/logout")
def log_out(request: Request, form: Form) -> Response:
    cookie = request.cookies.get(COOKIE_NAME)
    if cookie:
        context_of(request).sessions.end(cookie)
    response = RedirectResponse("/login", status_code=status.HTTP_303_SEE_OTHER)
    response.delete_cookie(COOKIE_NAME, path="/", httponly=True, samesite="strict")
    return response
