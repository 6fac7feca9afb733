"""One account's page (admins): its role and team, a new one-time password, its API
tokens, and its live login sessions, which an admin can end everywhere at once.

Reached from the accounts table of the settings page
(:mod:`lurewatch.web.pages.admin`). Every form posts with a CSRF token and
calls the store method the API calls (:mod:`lurewatch.web.routes.admin`); the
store audits each change and refuses one that would lock the office out (an
admin demoting or deactivating their own account, or the last active admin).
A new password or token is shown once, in the answer to the form that made it:
never put in a URL, never stored readable, never shown again.

Logging an account out everywhere is for incident response (a password or
laptop in the wrong hands): every session of the account ends at once and the
audit log records who did it and how many ended. An admin doing it to their
own account keeps the session they are using.
"""

from __future__ import annotations

import secrets
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, HTTPException, Path, Query, Request, status
from fastapi.responses import RedirectResponse, Response

from lurewatch.store.records import ROLES, IssuedToken, Role
from lurewatch.web.pages.common import Form, PageAdmin, context_of, form_text, render
from lurewatch.web.sessions import COOKIE_NAME

router = APIRouter(include_in_schema=False)

# Usernames are at most 150 characters (the store's rule); anything longer is refused
# before it reaches the store or an error message.
AccountName = Annotated[str, Path(max_length=150)]
TokenId = Annotated[int, Path(ge=1, le=2**62)]

DONE: dict[str, str] = {
    "access": "Role and team saved: they apply from the account's next request.",
    "revoked": "Token revoked: it stopped working at once.",
    "activated": "Account activated.",
    "deactivated": "Account deactivated: it can no longer log in or use its API tokens.",
    "sessions": "Logged out everywhere: whoever was using the account must log in again.",
    "own-sessions": "Your other sessions have ended; this one stays.",
}
ROLE_HELP = {
    "reporter": "member of staff: checks and reports",
    "analyst": "security office: triage, cases, personas",
    "admin": "security office and these settings",
}


def account_url(username: str, done: str = "", anchor: str = "") -> str:
    """The account's page (``done``, a key of :data:`DONE`, says what was just changed)."""
    path = f"/admin/users/{quote(username, safe='')}"
    if done:
        path += f"?done={done}"
    return f"{path}#{anchor}" if anchor else path


def _see(path: str) -> Response:
    return RedirectResponse(path, status_code=status.HTTP_303_SEE_OTHER)


def _account_page(
    request: Request,
    username: str,
    *,
    done: str = "",
    password: str | None = None,
    issued: IssuedToken | None = None,
    status_code: int = 200,
) -> Response:
    context = context_of(request)
    store = context.store
    return render(
        request,
        "admin_account.html",
        {
            "account": store.get_user(username),
            "tokens": store.list_tokens(username),
            "sessions": context.sessions.list_for(username),
            "teams": store.list_teams(),
            "roles": ROLES,
            "role_help": ROLE_HELP,
            "done": DONE.get(done),
            "password": password,
            "issued": issued,
        },
        status_code=status_code,
    )


@router.get("/admin/users/{username}")
def account_page(
    request: Request,
    username: AccountName,
    user: PageAdmin,
    done: Annotated[str, Query(max_length=20)] = "",
) -> Response:
    return _account_page(request, username, done=done)


def _role(value: str) -> Role | None:
    if not value:
        return None  # the form leaves an admin's own role out: unchanged
    if value not in ROLES:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            detail=f"role {value!r}: choose one of {', '.join(ROLES)}",
        )
    return value  # type: ignore[return-value]


@router.post("/admin/users/{username}/access")
def save_access(request: Request, username: AccountName, user: PageAdmin, form: Form) -> Response:
    """Change the account's role and team; they apply from its next request."""
    context_of(request).store.update_user(
        username,
        role=_role(form_text(form, "role", max_chars=20)),
        team=form_text(form, "team", max_chars=200) or None,
        actor=user.username,
    )
    return _see(account_url(username, "access", "access"))


@router.post("/admin/users/{username}/password")
def reset_password(
    request: Request, username: AccountName, user: PageAdmin, form: Form
) -> Response:
    """A new one-time password, shown once. The old one stops working and the account's
    sessions end (an admin resetting their own keeps the session they are using)."""
    context = context_of(request)
    password = secrets.token_urlsafe(12)
    context.store.set_password(username, password, actor=user.username)
    context.sessions.end_user(username, keep=request.cookies.get(COOKIE_NAME))
    return _account_page(request, username, password=password)


@router.post("/admin/users/{username}/tokens")
def issue_token(request: Request, username: AccountName, user: PageAdmin, form: Form) -> Response:
    """A new API token named for what it is for, shown once on the page this answers with."""
    name = form_text(form, "name", max_chars=200)
    issued = context_of(request).store.issue_token(username, name, actor=user.username)
    return _account_page(request, username, issued=issued, status_code=status.HTTP_201_CREATED)


@router.post("/admin/users/{username}/tokens/{token_id}/revoke")
def revoke_token(
    request: Request, username: AccountName, token_id: TokenId, user: PageAdmin, form: Form
) -> Response:
    """Stop one of the account's tokens; the API refuses it from the next request."""
    context_of(request).store.revoke_token(token_id, username=username, actor=user.username)
    return _see(account_url(username, "revoked", "tokens"))


@router.post("/admin/users/{username}/sessions/end")
def end_sessions(request: Request, username: AccountName, user: PageAdmin, form: Form) -> Response:
    """Log the account out everywhere, audited; its next request goes to the login page.

    An admin doing this to their own account keeps the session they are using
    (the one this form came from). API tokens are not sessions: revoke them apart.
    """
    own = username == user.username
    context_of(request).sessions.end_user(
        username, keep=request.cookies.get(COOKIE_NAME) if own else None, actor=user.username
    )
    return _see(account_url(username, "own-sessions" if own else "sessions", "sessions"))
