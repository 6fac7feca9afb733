"""Administration (admins): accounts, API tokens, login sessions, teams and their sensitivity,
verdict wording."""

from __future__ import annotations

from fastapi import APIRouter, Request, status

from lurewatch.store.users import UNSET
from lurewatch.web.deps import AdminUser, ContextDep, StoreDep
from lurewatch.web.models import (
    ErrorBody,
    LoginSessionPublic,
    SessionsEnded,
    TeamPublic,
    TeamUpdate,
    TokenCreate,
    TokenIssued,
    TokenPublic,
    UserCreate,
    UserPublic,
    UserUpdate,
    VerdictTemplatePublic,
    VerdictTemplateUpdate,
)
from lurewatch.web.sessions import COOKIE_NAME

router = APIRouter(prefix="/api", tags=["admin"])
_ERRORS: dict[int | str, dict[str, object]] = {
    401: {"model": ErrorBody},
    403: {"model": ErrorBody},
    404: {"model": ErrorBody},
    409: {"model": ErrorBody},
    422: {"model": ErrorBody},
}


@router.get("/users", responses=_ERRORS)
def list_users(user: AdminUser, store: StoreDep) -> list[UserPublic]:
    return [UserPublic.model_validate(u) for u in store.list_users()]


@router.post("/users", status_code=status.HTTP_201_CREATED, responses=_ERRORS)
def create_user(body: UserCreate, user: AdminUser, store: StoreDep) -> UserPublic:
    """Add an account; without a password it can only use API tokens."""
    created = store.create_user(
        body.username,
        display_name=body.display_name or body.username,
        role=body.role,
        team=body.team,
        password=body.password,
        actor=user.username,
    )
    return UserPublic.model_validate(created)


@router.patch("/users/{username}", responses=_ERRORS)
def update_user(username: str, body: UserUpdate, user: AdminUser, store: StoreDep) -> UserPublic:
    """Change an account's display name, role, team or whether it is active.

    Fields left out stay as they are; ``"team": null`` takes the account out of
    its team. The change holds from the account's next request. 409 when an
    admin would demote or deactivate their own account, or when no active admin
    would be left.
    """
    updated = store.update_user(
        username,
        display_name=body.display_name,
        role=body.role,
        team=body.team if "team" in body.model_fields_set else UNSET,
        is_active=body.is_active,
        actor=user.username,
    )
    return UserPublic.model_validate(updated)


@router.get("/users/{username}/tokens", responses=_ERRORS)
def list_tokens(username: str, user: AdminUser, store: StoreDep) -> list[TokenPublic]:
    """The account's API tokens, oldest first: names and dates, never the tokens."""
    return [TokenPublic.model_validate(t) for t in store.list_tokens(username)]


@router.post("/users/{username}/tokens", status_code=status.HTTP_201_CREATED, responses=_ERRORS)
def issue_token(username: str, body: TokenCreate, user: AdminUser, store: StoreDep) -> TokenIssued:
    """A new API token for the account: shown in this response only."""
    return TokenIssued.model_validate(store.issue_token(username, body.name, actor=user.username))


@router.post("/users/{username}/tokens/{token_id}/revoke", responses=_ERRORS)
def revoke_token(username: str, token_id: int, user: AdminUser, store: StoreDep) -> TokenPublic:
    """Stop one of the account's tokens from working, from the next request on.

    The token stays listed, with the time it was revoked; revoking it again
    changes nothing.
    """
    revoked = store.revoke_token(token_id, username=username, actor=user.username)
    return TokenPublic.model_validate(revoked)


@router.get("/users/{username}/sessions", responses=_ERRORS)
def list_sessions(username: str, user: AdminUser, context: ContextDep) -> list[LoginSessionPublic]:
    """The account's live login sessions, most recently seen first: when each started and
    was last seen (to within a minute). Never anything that would open one."""
    return [LoginSessionPublic.model_validate(s) for s in context.sessions.list_for(username)]


@router.post("/users/{username}/sessions/end", responses=_ERRORS)
def end_sessions(
    username: str, request: Request, user: AdminUser, context: ContextDep
) -> SessionsEnded:
    """Log the account out everywhere (its API tokens keep working: revoke them apart).

    Audited as ``user.sessions_ended``. An admin who sent this with the session
    cookie of the same account keeps that session; with an API token, every
    session ends.
    """
    by_cookie = request.headers.get("authorization") is None  # as current_user decides
    keep = request.cookies.get(COOKIE_NAME) if by_cookie and username == user.username else None
    return SessionsEnded(ended=context.sessions.end_user(username, keep=keep, actor=user.username))


@router.get("/teams", responses=_ERRORS)
def list_teams(user: AdminUser, store: StoreDep) -> list[TeamPublic]:
    return [TeamPublic.model_validate(t) for t in store.list_teams()]


@router.put("/teams/{name}", responses=_ERRORS)
def set_team(name: str, body: TeamUpdate, user: AdminUser, store: StoreDep) -> TeamPublic:
    """Create a team or set how sensitive its access is (1.0 ordinary; higher ranks first)."""
    return TeamPublic.model_validate(store.set_team(name, body.sensitivity, actor=user.username))


@router.put("/verdict-templates/{key}", responses=_ERRORS)
def set_verdict_template(
    key: str, body: VerdictTemplateUpdate, user: AdminUser, store: StoreDep
) -> VerdictTemplatePublic:
    """Create or reword a verdict template (verdicts already sent keep their text)."""
    template = store.set_verdict_template(key, body.text, actor=user.username)
    return VerdictTemplatePublic.model_validate(template)
