"""People's login sessions, kept in the database so that a server restart logs no one out.

The web layer (:mod:`lurewatch.web.sessions`) makes a random session id, sends
it to the browser in a signed cookie and hands it to these methods; the table
``login_sessions`` keeps only the id's SHA-256 (like an API token's), the
username, when the session started and when it was last seen. Reading the
table gives no one a cookie that works.

A session ends when it has been idle for ``idle`` (2 hours), when it is
``lifetime`` old (12 hours), when its person logs out, when an admin sets the
account a new password or logs it out everywhere
(:meth:`LoginSessionsMixin.end_login_sessions`; the latter is audited, for
incident response on a compromised account) and when the account is
deactivated (``update_user`` removes its sessions in the same transaction).
:meth:`LoginSessionsMixin.list_login_sessions` shows an admin an account's
live sessions: when each started and was last seen, never the hash.

Every request that carries the cookie resolves it, so
:meth:`LoginSessionsMixin.login_session` is one prebuilt SELECT by primary key
on a bare connection, and ``last_seen`` is written only when the stored value
is ``LAST_SEEN_EVERY`` (a minute) old or more: someone clicking through pages
costs one UPDATE a minute, not one per request. The stored ``last_seen`` is
therefore at most a minute behind the latest request, and idle time is
counted from it: a session left alone ends between ``idle - LAST_SEEN_EVERY``
and ``idle`` after its latest request (exactly ``idle`` after it when that
request was the one recorded), never later. The lifetime is exact.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from lurewatch.store.core import StoreCore
from lurewatch.store.errors import InvalidValue, NotFound
from lurewatch.store.passwords import token_sha256
from lurewatch.store.records import LoginSession
from lurewatch.store.schema import LoginSessionRow, UserRow, UTCDateTime

SESSION_IDLE = dt.timedelta(hours=2)
SESSION_LIFETIME = dt.timedelta(hours=12)
# The granularity of last_seen: it is rewritten only once it is this old.
LAST_SEEN_EVERY = dt.timedelta(minutes=1)
# Logging in again past this many live sessions ends the least recently seen: successful
# logins are not rate-limited, and the table must not grow without bound.
MAX_SESSIONS_PER_USER = 20

# Built once: the statements a request with a session cookie runs.
_SESSION = sa.select(
    LoginSessionRow.username, LoginSessionRow.created_at, LoginSessionRow.last_seen
).where(LoginSessionRow.id_sha256 == sa.bindparam("digest"))
_SEEN = (
    sa.update(LoginSessionRow)
    .where(
        LoginSessionRow.id_sha256 == sa.bindparam("digest"),
        LoginSessionRow.last_seen < sa.bindparam("before", type_=UTCDateTime()),
    )
    .values(last_seen=sa.bindparam("seen", type_=UTCDateTime()))
)
_USER = sa.select(UserRow.id).where(UserRow.username == sa.bindparam("username"))
_END = sa.delete(LoginSessionRow).where(LoginSessionRow.id_sha256 == sa.bindparam("digest"))
_KEPT = sa.select(LoginSessionRow.id_sha256).where(
    LoginSessionRow.id_sha256 == sa.bindparam("digest"),
    LoginSessionRow.username == sa.bindparam("username"),
)


def session_sha256(session_id: str) -> str:
    """What is stored of a session id. Ids are random, so a fast unsalted hash is enough."""
    return token_sha256(session_id)


def _expired(
    created_at: dt.datetime,
    last_seen: dt.datetime,
    now: dt.datetime,
    idle: dt.timedelta,
    lifetime: dt.timedelta,
) -> bool:
    return now - last_seen > idle or now - created_at > lifetime


def _expired_rows(now: dt.datetime, idle: dt.timedelta, lifetime: dt.timedelta) -> sa.Delete:
    return sa.delete(LoginSessionRow).where(
        sa.or_(
            LoginSessionRow.last_seen < now - idle,
            LoginSessionRow.created_at < now - lifetime,
        )
    )


class LoginSessionsMixin(StoreCore):
    """Login sessions (see the module's doc). ``at`` is the time to act at: the web
    layer passes its own clock's; without it the store's clock is used."""

    def _session_time(self, at: dt.datetime | None) -> dt.datetime:
        if at is None:
            return self._clock()
        if at.tzinfo is None or at.utcoffset() is None:
            raise InvalidValue(f"naive datetime {at.isoformat()}: give an aware (UTC) time")
        return at.astimezone(dt.UTC)

    def start_login_session(
        self,
        session_id: str,
        username: str,
        *,
        at: dt.datetime | None = None,
        idle: dt.timedelta = SESSION_IDLE,
        lifetime: dt.timedelta = SESSION_LIFETIME,
        max_per_user: int = MAX_SESSIONS_PER_USER,
    ) -> LoginSession:
        """Record a new session of ``username`` under ``session_id`` (only its hash is kept).

        Also removes every expired session (logins are rare enough to pay for
        it) and, past ``max_per_user`` live sessions of this user, the least
        recently seen. :class:`~lurewatch.store.errors.NotFound` for an
        unknown user; :class:`~lurewatch.store.errors.Conflict` if the id is
        already in use (ids are random: it would mean a broken id source).
        """
        if max_per_user < 1:
            raise InvalidValue(f"max_per_user {max_per_user}: allow at least one session")
        now = self._session_time(at)
        digest = session_sha256(session_id)
        with self._connect(write=True) as conn:
            if conn.execute(_USER, {"username": username}).first() is None:
                raise NotFound(f"no user {username!r}")
            conn.execute(_expired_rows(now, idle, lifetime))
            older = conn.scalars(
                sa.select(LoginSessionRow.id_sha256)
                .where(LoginSessionRow.username == username)
                .order_by(LoginSessionRow.last_seen.desc(), LoginSessionRow.created_at.desc())
                .offset(max_per_user - 1)
            ).all()
            if older:
                conn.execute(sa.delete(LoginSessionRow).where(LoginSessionRow.id_sha256.in_(older)))
            conn.execute(
                sa.insert(LoginSessionRow).values(
                    id_sha256=digest, username=username, created_at=now, last_seen=now
                )
            )
        return LoginSession(username=username, created_at=now, last_seen=now)

    def login_session(
        self,
        session_id: str,
        *,
        at: dt.datetime | None = None,
        idle: dt.timedelta = SESSION_IDLE,
        lifetime: dt.timedelta = SESSION_LIFETIME,
    ) -> LoginSession | None:
        """The live session ``session_id`` names, marked seen now; None if there is none.

        An expired session is removed. ``last_seen`` is written only when the
        stored one is ``LAST_SEEN_EVERY`` old or more; otherwise this is one
        read and nothing else.
        """
        now = self._session_time(at)
        digest = session_sha256(session_id)
        with self._connect() as conn:
            row = conn.execute(_SESSION, {"digest": digest}).first()
        if row is None:
            return None
        if _expired(row.created_at, row.last_seen, now, idle, lifetime):
            with self._connect(write=True) as conn:
                conn.execute(_END, {"digest": digest})
            return None
        last_seen: dt.datetime = row.last_seen
        if now - last_seen >= LAST_SEEN_EVERY:
            with self._connect(write=True) as conn:
                conn.execute(_SEEN, {"digest": digest, "before": now, "seen": now})
            last_seen = now
        return LoginSession(username=row.username, created_at=row.created_at, last_seen=last_seen)

    def end_login_session(self, session_id: str) -> bool:
        """Log a session out; whether there was one to end."""
        with self._connect(write=True) as conn:
            ended = conn.execute(_END, {"digest": session_sha256(session_id)}).rowcount
        return bool(ended)

    def list_login_sessions(
        self,
        username: str,
        *,
        at: dt.datetime | None = None,
        idle: dt.timedelta = SESSION_IDLE,
        lifetime: dt.timedelta = SESSION_LIFETIME,
    ) -> list[LoginSession]:
        """The live sessions of ``username``, most recently seen first.

        Expired sessions not yet removed are left out (and left alone: reading
        writes nothing). ``last_seen`` is as recorded, so up to
        ``LAST_SEEN_EVERY`` behind. :class:`~lurewatch.store.errors.NotFound`
        for an unknown user.
        """
        now = self._session_time(at)
        statement = (
            sa.select(LoginSessionRow.created_at, LoginSessionRow.last_seen)
            .where(
                LoginSessionRow.username == username,
                LoginSessionRow.last_seen >= now - idle,
                LoginSessionRow.created_at >= now - lifetime,
            )
            .order_by(LoginSessionRow.last_seen.desc(), LoginSessionRow.created_at.desc())
        )
        with self._connect() as conn:
            if conn.execute(_USER, {"username": username}).first() is None:
                raise NotFound(f"no user {username!r}")
            found = conn.execute(statement).all()
        return [
            LoginSession(username=username, created_at=row.created_at, last_seen=row.last_seen)
            for row in found
        ]

    def end_login_sessions(
        self, username: str, *, keep: str | None = None, actor: str | None = None
    ) -> int:
        """End every session of ``username`` except the one ``keep`` names; how many ended.

        After a password reset: whoever logged in with the old password is out,
        while an admin resetting their own keeps the session they are using.
        With ``actor`` (an admin logging a compromised account out everywhere),
        the sessions end and the audit entry ``user.sessions_ended`` (how many
        ended, and whether ``keep`` named a session of this account, which
        stayed) is appended in one transaction. ``keep`` naming another
        account's session keeps nothing. :class:`~lurewatch.store.errors.NotFound`
        for an unknown user.
        """
        statement = sa.delete(LoginSessionRow).where(LoginSessionRow.username == username)
        digest = None if keep is None else session_sha256(keep)
        if digest is not None:
            statement = statement.where(LoginSessionRow.id_sha256 != digest)
        if actor is None:
            with self._connect(write=True) as conn:
                if conn.execute(_USER, {"username": username}).first() is None:
                    raise NotFound(f"no user {username!r}")
                return conn.execute(statement).rowcount
        now = self._clock()
        with self._write() as s:
            self._user_row(s, username)
            conn = s.connection()
            ended = conn.execute(statement).rowcount
            kept = digest is not None and (
                conn.execute(_KEPT, {"digest": digest, "username": username}).first() is not None
            )
            self._audit(
                s,
                at=now,
                actor=actor,
                action="user.sessions_ended",
                target=f"user:{username}",
                details={"ended": ended, "kept_own_session": kept},
            )
            return ended

    def prune_login_sessions(
        self,
        *,
        at: dt.datetime | None = None,
        idle: dt.timedelta = SESSION_IDLE,
        lifetime: dt.timedelta = SESSION_LIFETIME,
    ) -> int:
        """Remove every expired session; how many. (Logging in does this too.)"""
        now = self._session_time(at)
        with self._connect(write=True) as conn:
            return conn.execute(_expired_rows(now, idle, lifetime)).rowcount
