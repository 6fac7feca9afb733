"""Settings (admins): teams and their sensitivity, the wording of verdicts, and accounts.

Every form posts with a CSRF token and calls the same store method as the API
(:mod:`lurewatch.web.routes.admin`); the store audits each change. A new
account's one-time password is shown once, in the answer to the form that made
it, and never put in a URL. Each account has a page of its own (role, team,
password, API tokens): :mod:`lurewatch.web.pages.accounts`.
"""

from __future__ import annotations

import math
import secrets
from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Query, Request, status
from fastapi.responses import RedirectResponse, Response

from lurewatch.store.records import ROLES, Role, User
from lurewatch.web.pages.accounts import ROLE_HELP, AccountName, account_url
from lurewatch.web.pages.common import Form, PageAdmin, context_of, form_text, render

router = APIRouter(include_in_schema=False)

Done = Literal["team", "template", "activated", "deactivated"]
DONE: dict[str, str] = {
    "team": "Team saved.",
    "template": "Verdict wording saved. Verdicts already sent keep their words.",
    "activated": "Account activated.",
    "deactivated": "Account deactivated: it can no longer log in or use its API tokens.",
}


def _admin_page(
    request: Request,
    *,
    done: str | None = None,
    created: User | None = None,
    password: str | None = None,
    status_code: int = 200,
) -> Response:
    store = context_of(request).store
    return render(
        request,
        "admin.html",
        {
            "teams": store.list_teams(),
            "templates": store.list_verdict_templates(),
            "users": store.list_users(),
            "roles": ROLES,
            "role_help": ROLE_HELP,
            "done": DONE.get(done or ""),
            "created": created,
            "password": password,
        },
        status_code=status_code,
    )


def _back(done: Done, anchor: str) -> Response:
    return RedirectResponse(f"/admin?done={done}#{anchor}", status_code=status.HTTP_303_SEE_OTHER)


def _unprocessable(message: str) -> HTTPException:
    return HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail=message)


@router.get("/admin")
def admin_page(
    request: Request, user: PageAdmin, done: Annotated[str, Query(max_length=20)] = ""
) -> Response:
    return _admin_page(request, done=done)


@router.post("/admin/teams")
def save_team(request: Request, user: PageAdmin, form: Form) -> Response:
    """Create a team or change its sensitivity (1.0 ordinary; higher ranks first in triage)."""
    name = form_text(form, "name", max_chars=200)
    given = form_text(form, "sensitivity", max_chars=20)
    try:
        sensitivity = float(given)
    except ValueError:
        raise _unprocessable(
            f"sensitivity {given!r}: give a number such as 1.0 (ordinary) or 3.0"
        ) from None
    if not math.isfinite(sensitivity):
        raise _unprocessable(f"sensitivity {given!r}: give a number from 0 to 1000")
    context_of(request).store.set_team(name, sensitivity, actor=user.username)
    return _back("team", "teams")


@router.post("/admin/templates")
def save_template(request: Request, user: PageAdmin, form: Form) -> Response:
    """Create or reword a verdict template."""
    key = form_text(form, "key", max_chars=100)
    text = form_text(form, "text", max_chars=10_000)
    context_of(request).store.set_verdict_template(key, text, actor=user.username)
    return _back("template", "templates")


@router.post("/admin/users")
def add_account(request: Request, user: PageAdmin, form: Form) -> Response:
    """Add an account, with a one-time password shown once, or none (API tokens only)."""
    username = form_text(form, "username", max_chars=150)
    role = form_text(form, "role", max_chars=20)
    if role not in ROLES:
        raise _unprocessable(f"role {role!r}: choose one of {', '.join(ROLES)}")
    team = form_text(form, "team", max_chars=200) or None
    login = form_text(form, "login", max_chars=20)
    if login not in ("password", "token"):
        raise _unprocessable("login: choose a one-time password or API tokens only")
    password = secrets.token_urlsafe(12) if login == "password" else None
    created = context_of(request).store.create_user(
        username,
        display_name=form_text(form, "display_name", max_chars=200) or username,
        role=_role(role),
        team=team,
        password=password,
        actor=user.username,
    )
    return _admin_page(request, created=created, password=password, status_code=201)


def _role(value: str) -> Role:
    return value  # type: ignore[return-value]  # checked against ROLES by the caller


@router.post("/admin/users/{username}/active")
def set_active(request: Request, username: AccountName, user: PageAdmin, form: Form) -> Response:
    """Deactivate an account (it can no longer log in or use tokens), or activate it again.

    The store refuses an admin deactivating their own account (409). ``back=account``
    returns to the account's page rather than the settings page.
    """
    active = form_text(form, "active", max_chars=5)
    if active not in ("0", "1"):
        raise _unprocessable("active: 1 to activate the account, 0 to deactivate it")
    context_of(request).store.update_user(username, is_active=active == "1", actor=user.username)
    done: Done = "activated" if active == "1" else "deactivated"
    if form_text(form, "back", max_chars=10) == "account":
        return RedirectResponse(
            account_url(username, done, "active"), status_code=status.HTTP_303_SEE_OTHER
        )
    return _back(done, "accounts")
