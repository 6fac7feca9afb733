"""Users, teams (with their sensitivity), passwords and API tokens."""

from __future__ import annotations

import datetime as dt
import re
from typing import Final

import sqlalchemy as sa
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.orm import Session

from lurewatch.store.core import StoreCore
from lurewatch.store.errors import Conflict, InvalidValue, NotFound
from lurewatch.store.passwords import token_sha256
from lurewatch.store.records import ROLES, ApiToken, IssuedToken, Role, Team, User
from lurewatch.store.schema import ApiTokenRow, LoginSessionRow, TeamRow, UserRow, UTCDateTime

_USERNAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@+-]{0,149}")


class _Unset:
    """Marks a keyword argument left out (distinct from None, which clears a value)."""

    def __repr__(self) -> str:
        return "UNSET"


UNSET: Final = _Unset()


def _check_username(username: str) -> str:
    if not _USERNAME.fullmatch(username):
        raise InvalidValue(
            f"username {username!r}: use 1-150 letters, digits and . _ @ + - "
            "(starting with a letter or digit)"
        )
    return username


def _check_role(role: str) -> Role:
    if role not in ROLES:
        raise InvalidValue(f"role {role!r}: expected one of {', '.join(ROLES)}")
    return role  # type: ignore[return-value]


def _check_display_name(name: str) -> str:
    name = name.strip()
    if not name or len(name) > 200:
        raise InvalidValue("display name: give 1-200 characters")
    return name


# A token's last use is written at most this often: checking a token, which every API
# request and every submission does, stays one read, and admins still see which tokens
# are in use and which lie forgotten.
TOKEN_USE_EVERY = dt.timedelta(minutes=10)

_TOKEN_USER = (
    sa.select(
        ApiTokenRow.id.label("token_id"),
        ApiTokenRow.last_used_at,
        UserRow.id,
        UserRow.username,
        UserRow.display_name,
        UserRow.role,
        TeamRow.name.label("team"),
        UserRow.is_active,
        UserRow.password_hash.is_not(None).label("has_password"),
        UserRow.created_at,
    )
    .join(ApiTokenRow, ApiTokenRow.user_id == UserRow.id)
    .outerjoin(TeamRow, TeamRow.id == UserRow.team_id)
    .where(
        ApiTokenRow.token_sha256 == sa.bindparam("sha256"),
        ApiTokenRow.revoked_at.is_(None),
        UserRow.is_active.is_(True),
    )
)
_TOKEN_USED = (
    sa.update(ApiTokenRow)
    .where(
        ApiTokenRow.id == sa.bindparam("token_pk"),
        sa.or_(
            ApiTokenRow.last_used_at.is_(None),
            ApiTokenRow.last_used_at <= sa.bindparam("due", type_=UTCDateTime()),
        ),
    )
    .values(last_used_at=sa.bindparam("used", type_=UTCDateTime()))
)


def _token_record(row: ApiTokenRow, username: str) -> ApiToken:
    return ApiToken(
        id=row.id,
        username=username,
        name=row.name,
        created_at=row.created_at,
        revoked_at=row.revoked_at,
        last_used_at=row.last_used_at,
    )


class UsersMixin(StoreCore):
    # -- teams -----------------------------------------------------------------------

    def set_team(self, name: str, sensitivity: float, *, actor: str) -> Team:
        """Create a team, or change how sensitive its access is (1.0 is ordinary).

        The triage queue ranks a report higher the more sensitive its
        reporter's team (a committee clerk 3.0 outranks a visitor-centre guide 1.0).
        """
        name = name.strip()
        if not name or len(name) > 200:
            raise InvalidValue("team name: give 1-200 characters")
        if not 0 <= sensitivity <= 1000:
            raise InvalidValue(f"team sensitivity {sensitivity}: expected 0 to 1000")
        now = self._clock()
        with self._write() as s:
            row = s.scalar(sa.select(TeamRow).where(TeamRow.name == name))
            before = None if row is None else row.sensitivity
            if row is None:
                row = TeamRow(name=name, sensitivity=sensitivity, created_at=now, updated_at=now)
                s.add(row)
            else:
                row.sensitivity = sensitivity
                row.updated_at = now
            self._audit(
                s,
                at=now,
                actor=actor,
                action="team.set",
                target=f"team:{name}",
                details={"sensitivity": sensitivity, "before": before},
            )
            return Team(name=row.name, sensitivity=row.sensitivity)

    def list_teams(self) -> list[Team]:
        """Every team, by name."""
        with self._read() as s:
            rows = s.scalars(sa.select(TeamRow).order_by(TeamRow.name))
            return [Team(name=r.name, sensitivity=r.sensitivity) for r in rows]

    def _team_id(self, s: Session, team: str | None) -> int | None:
        if team is None:
            return None
        team_id = s.scalar(sa.select(TeamRow.id).where(TeamRow.name == team))
        if team_id is None:
            raise NotFound(f"no team {team!r}: create it first with set_team")
        return team_id

    # -- users -----------------------------------------------------------------------

    def _user_record(self, s: Session, row: UserRow) -> User:
        team = self._team_name(s, row.team_id)
        return User(
            id=row.id,
            username=row.username,
            display_name=row.display_name,
            role=_check_role(row.role),
            team=team,
            is_active=row.is_active,
            has_password=row.password_hash is not None,
            created_at=row.created_at,
        )

    def create_user(
        self,
        username: str,
        *,
        display_name: str,
        role: Role,
        actor: str,
        team: str | None = None,
        password: str | None = None,
    ) -> User:
        """Add a person or machine account. Without a password it can only use API tokens.

        ``actor`` is recorded as written (the first admin is created by, say, ``"setup"``).
        """
        _check_username(username)
        _check_role(role)
        display_name = _check_display_name(display_name)
        hashed = None if password is None else self._hash_password(password)
        now = self._clock()
        with self._write() as s:
            if s.scalar(sa.select(UserRow.id).where(UserRow.username == username)) is not None:
                raise Conflict(f"username {username!r} is taken")
            row = UserRow(
                username=username,
                display_name=display_name,
                role=role,
                team_id=self._team_id(s, team),
                password_hash=hashed,
                is_active=True,
                created_at=now,
                updated_at=now,
            )
            s.add(row)
            s.flush()
            self._audit(
                s,
                at=now,
                actor=actor,
                action="user.create",
                target=f"user:{username}",
                details={
                    "display_name": display_name,
                    "role": role,
                    "team": team,
                    "password_set": hashed is not None,
                },
            )
            return self._user_record(s, row)

    def update_user(
        self,
        username: str,
        *,
        actor: str,
        display_name: str | None = None,
        role: Role | None = None,
        team: str | _Unset | None = UNSET,
        is_active: bool | None = None,
    ) -> User:
        """Change what is given (``team=None`` takes the user out of any team).

        The audit entry records each field that changed with its value before;
        a call that changes nothing writes nothing. Refused (:class:`Conflict`)
        when an admin would demote or deactivate their own account (``actor``
        is that username), or when it would leave the office without an active
        admin: both would lock the office out of these settings. Deactivating
        an account ends its login sessions in the same transaction, so
        activating it again revives none of them.
        """
        if role is not None:
            _check_role(role)
        if display_name is not None:
            display_name = _check_display_name(display_name)
        demoting = (role is not None and role != "admin") or is_active is False
        now = self._clock()
        with self._write() as s:
            # Taken before the account is read, so two admins demoting each other at
            # once (PostgreSQL) are served in turn and the second sees the first's change.
            admins = self._lock_active_admins(s) if demoting else []
            row = self._user_row(s, username)
            team_name = self._team_name(s, row.team_id)
            changes: dict[str, tuple[object, object]] = {}  # field: (before, after)
            if display_name is not None and display_name != row.display_name:
                changes["display_name"] = (row.display_name, display_name)
            if role is not None and role != row.role:
                changes["role"] = (row.role, role)
            if not isinstance(team, _Unset) and team != team_name:
                changes["team"] = (team_name, team)
            if is_active is not None and is_active != row.is_active:
                changes["is_active"] = (row.is_active, is_active)
            if not changes:
                return self._user_record(s, row)
            if row.role == "admin" and row.is_active and demoting:
                self._refuse_lockout(
                    username, actor, admins, row.id, deactivating=is_active is False
                )
            if display_name is not None:
                row.display_name = display_name
            if role is not None:
                row.role = role
            if not isinstance(team, _Unset):
                row.team_id = self._team_id(s, team)
            if is_active is not None:
                row.is_active = is_active
            if is_active is False:
                s.execute(sa.delete(LoginSessionRow).where(LoginSessionRow.username == username))
            row.updated_at = now
            self._audit(
                s,
                at=now,
                actor=actor,
                action="user.update",
                target=f"user:{username}",
                details={
                    **{field: after for field, (_, after) in changes.items()},
                    "before": {field: before for field, (before, _) in changes.items()},
                },
            )
            return self._user_record(s, row)

    def _lock_active_admins(self, s: Session) -> list[int]:
        """The ids of the active admins, locked until the transaction ends (PostgreSQL;
        SQLite's write lock already serialises writers)."""
        return list(
            s.scalars(
                sa.select(UserRow.id)
                .where(UserRow.role == "admin", UserRow.is_active.is_(True))
                .order_by(UserRow.id)
                .with_for_update()
            )
        )

    @staticmethod
    def _refuse_lockout(
        username: str, actor: str, admins: list[int], user_id: int, *, deactivating: bool
    ) -> None:
        what = "deactivate" if deactivating else "demote"
        if actor == username:
            raise Conflict(
                f"you cannot {what} your own account: ask another admin, so that the "
                "office is never left without one"
            )
        if not [a for a in admins if a != user_id]:
            raise Conflict(
                f"{username!r} is the last active admin: make another account admin "
                f"before you {what} this one"
            )

    def _team_name(self, s: Session, team_id: int | None) -> str | None:
        if team_id is None:
            return None
        return s.scalar(sa.select(TeamRow.name).where(TeamRow.id == team_id))

    def get_user(self, username: str) -> User:
        with self._read() as s:
            return self._user_record(s, self._user_row(s, username))

    def list_users(self) -> list[User]:
        """Every user, by username."""
        with self._read() as s:
            rows = s.scalars(sa.select(UserRow).order_by(UserRow.username)).all()
            return [self._user_record(s, r) for r in rows]

    # -- passwords -------------------------------------------------------------------

    def _hash_password(self, password: str) -> str:
        if not password:
            raise InvalidValue("password: must not be empty")
        return self._hasher.hash(password)

    def set_password(self, username: str, password: str, *, actor: str) -> None:
        """Set a user's password (stored as an argon2id hash; the audit log never sees it)."""
        hashed = self._hash_password(password)
        now = self._clock()
        with self._write() as s:
            row = self._user_row(s, username)
            row.password_hash = hashed
            row.updated_at = now
            self._audit(s, at=now, actor=actor, action="user.password", target=f"user:{username}")

    def verify_password(self, username: str, password: str) -> User | None:
        """The user if the password is theirs and the account is active, else None.

        An unknown user costs the same hashing time as a wrong password, so
        response times do not tell which usernames exist.
        """
        with self._read() as s:
            row = s.scalar(sa.select(UserRow).where(UserRow.username == username))
            stored = None if row is None else row.password_hash
            user = None if row is None else self._user_record(s, row)
        if stored is None or user is None:
            self._hasher.hash(password or "-")  # same cost as a verification
            return None
        try:
            self._hasher.verify(stored, password)
        except (VerificationError, InvalidHashError):
            return None
        if not user.is_active:
            return None
        if self._hasher.check_needs_rehash(stored):
            rehashed = self._hasher.hash(password)
            with self._write() as s:
                s.execute(
                    sa.update(UserRow)
                    .where(UserRow.id == user.id, UserRow.password_hash == stored)
                    .values(password_hash=rehashed)
                )
        return user

    # -- API tokens ------------------------------------------------------------------

    def issue_token(self, username: str, name: str, *, actor: str) -> IssuedToken:
        """A new API token for ``username``: returned once, only its SHA-256 is kept."""
        name = name.strip()
        if not name or len(name) > 200:
            raise InvalidValue("token name: give 1-200 characters, e.g. 'report client on PC-42'")
        token = self._new_token()
        now = self._clock()
        with self._write() as s:
            user = self._user_row(s, username)
            row = ApiTokenRow(
                user_id=user.id, name=name, token_sha256=token_sha256(token), created_at=now
            )
            s.add(row)
            s.flush()
            self._audit(
                s,
                at=now,
                actor=actor,
                action="token.issue",
                target=f"user:{username}",
                details={"token_id": row.id, "name": name},
            )
            return IssuedToken(id=row.id, username=username, name=name, token=token, created_at=now)

    def revoke_token(self, token_id: int, *, actor: str, username: str | None = None) -> ApiToken:
        """Stop a token from working at once (kept, marked revoked, for the record).

        With ``username``, the token must be that account's (else :class:`NotFound`),
        so a page or URL naming one account cannot revoke another's. Revoking a
        revoked token changes nothing and writes no audit entry.
        """
        now = self._clock()
        with self._write() as s:
            row = s.get(ApiTokenRow, token_id)
            owner = None if row is None else self._username(s, row.user_id)
            if row is None or (username is not None and owner != username):
                whose = "" if username is None else f" for user {username!r}"
                raise NotFound(f"no API token with id {token_id}{whose}")
            if row.revoked_at is None:
                row.revoked_at = now
                self._audit(
                    s,
                    at=now,
                    actor=actor,
                    action="token.revoke",
                    target=f"user:{owner}",
                    details={"token_id": token_id, "name": row.name},
                )
            return _token_record(row, str(owner))

    def list_tokens(self, username: str) -> list[ApiToken]:
        """A user's tokens, oldest first (names and dates; never the tokens)."""
        with self._read() as s:
            user = self._user_row(s, username)
            rows = s.scalars(
                sa.select(ApiTokenRow)
                .where(ApiTokenRow.user_id == user.id)
                .order_by(ApiTokenRow.id)
            )
            return [_token_record(r, username) for r in rows]

    def _username(self, s: Session, user_id: int) -> str | None:
        return s.scalar(sa.select(UserRow.username).where(UserRow.id == user_id))

    def user_for_token(self, token: str) -> User | None:
        """The active user a presented token belongs to, found by the token's SHA-256.

        Nothing is cached: every request reads the token and its account afresh,
        so a revocation, deactivation or role change holds from the next request.
        The token's ``last_used_at`` is set to now when it is unset or at least
        ``TOKEN_USE_EVERY`` old; otherwise nothing is written.
        """
        # Every API request asks this: one prebuilt statement on a bare connection, which
        # also brings the token's last use, so deciding whether to record this one costs
        # no query.
        with self._connect() as conn:
            row = conn.execute(_TOKEN_USER, {"sha256": token_sha256(token)}).first()
        if row is None:
            return None
        now = self._clock()
        if row.last_used_at is None or now - row.last_used_at >= TOKEN_USE_EVERY:
            with self._connect(write=True) as conn:
                conn.execute(
                    _TOKEN_USED,
                    {"token_pk": row.token_id, "due": now - TOKEN_USE_EVERY, "used": now},
                )
        return User(
            id=row.id,
            username=row.username,
            display_name=row.display_name,
            role=_check_role(row.role),
            team=row.team,
            is_active=row.is_active,
            has_password=bool(row.has_password),
            created_at=row.created_at,
        )
