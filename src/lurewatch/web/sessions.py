"""People's sessions: a random id kept by the server, sent to the browser as a signed cookie.

The cookie carries only the session id and its HMAC-SHA256 under a key
derived from ``LUREWATCH_SECRET_KEY``; who is logged in, and since when,
stays on the server, in the database (only the id's SHA-256): a restart of
the server logs no one out, while a new secret does (every cookie's
signature stops verifying).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import secrets
from collections.abc import Callable

from lurewatch.settings import Settings
from lurewatch.store import Store
from lurewatch.store.login_sessions import MAX_SESSIONS_PER_USER, SESSION_IDLE, SESSION_LIFETIME
from lurewatch.store.records import LoginSession

COOKIE_NAME = "lurewatch_session"
MIN_SECRET_CHARS = 32
# Derives the cookie-signing key from the deployment secret, so the secret itself
# can serve other purposes later without one signature standing in for another.
_KEY_PURPOSE = b"lurewatch session cookie v1"
_MAKE_SECRET = "python3 -c 'import secrets; print(secrets.token_urlsafe(32))'"

Clock = Callable[[], dt.datetime]


class ConfigurationError(ValueError):
    """The deployment's settings cannot be used. ``str(error)`` is one line saying what to do."""


def signing_key(settings: Settings) -> bytes:
    """The key that signs session cookies, from ``settings.secret_key``.

    Without a secret the server refuses to start, unless ``settings.demo``:
    then a random key is made for this process (sessions end with it).
    """
    secret = settings.secret_key
    if secret:
        if len(secret) < MIN_SECRET_CHARS:
            raise ConfigurationError(
                f"LUREWATCH_SECRET_KEY has {len(secret)} characters: give at least "
                f"{MIN_SECRET_CHARS} random ones, e.g. from: {_MAKE_SECRET}"
            )
        raw = secret.encode("utf-8")
    elif settings.demo:
        raw = secrets.token_bytes(32)
    else:
        raise ConfigurationError(
            "no LUREWATCH_SECRET_KEY: set it to a long random value (e.g. from: "
            f"{_MAKE_SECRET}), or run the demo with --demo"
        )
    return hmac.new(raw, _KEY_PURPOSE, hashlib.sha256).digest()


class SessionStore:
    """Logged-in sessions, kept by the store so that they outlive the server process.

    The cookie is ``<id>.<signature>``: a random id and its HMAC under
    :func:`signing_key`. A cookie whose signature does not verify is refused
    before the database is asked anything; the store keeps only the id's
    SHA-256 (:mod:`lurewatch.store.login_sessions`). Sessions expire when
    idle for ``idle`` and after ``lifetime`` in all, by the clock ``now``. A
    user past ``max_per_user`` sessions loses the least recently used.

    Thread-safe, as the store is: request handlers run in a thread pool.
    """

    def __init__(
        self,
        store: Store,
        key: bytes,
        now: Clock,
        *,
        idle: dt.timedelta = SESSION_IDLE,
        lifetime: dt.timedelta = SESSION_LIFETIME,
        max_per_user: int = MAX_SESSIONS_PER_USER,
    ) -> None:
        self._store = store
        self._key = key
        self._now = now
        self._idle = idle
        self._lifetime = lifetime
        self._max = max_per_user

    @property
    def lifetime(self) -> dt.timedelta:
        return self._lifetime

    def _sign(self, session_id: str) -> str:
        mac = hmac.new(self._key, session_id.encode("ascii"), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(mac).rstrip(b"=").decode("ascii")

    def create(self, username: str) -> str:
        """Start a session; the cookie value to send (``<id>.<signature>``).

        Expired sessions of everyone are removed on the way.
        """
        session_id = secrets.token_urlsafe(32)
        self._store.start_login_session(
            session_id,
            username,
            at=self._now(),
            idle=self._idle,
            lifetime=self._lifetime,
            max_per_user=self._max,
        )
        return f"{session_id}.{self._sign(session_id)}"

    def _verified_id(self, cookie: str) -> str | None:
        session_id, dot, signature = cookie.partition(".")
        if not dot or not session_id.isascii() or len(cookie) > 200:
            return None
        if not hmac.compare_digest(
            signature.encode("ascii", "replace"), self._sign(session_id).encode()
        ):
            return None
        return session_id

    def resolve(self, cookie: str) -> LoginSession | None:
        """The live session a cookie names (and mark it used), or None."""
        session_id = self._verified_id(cookie)
        if session_id is None:
            return None
        return self._store.login_session(
            session_id, at=self._now(), idle=self._idle, lifetime=self._lifetime
        )

    def end(self, cookie: str) -> None:
        """Log the session out (nothing happens for an unknown or forged cookie)."""
        session_id = self._verified_id(cookie)
        if session_id is not None:
            self._store.end_login_session(session_id)

    def list_for(self, username: str) -> list[LoginSession]:
        """The live sessions of ``username`` by this store's clock and limits, most
        recently seen first (``NotFound`` for an unknown user)."""
        return self._store.list_login_sessions(
            username, at=self._now(), idle=self._idle, lifetime=self._lifetime
        )

    def end_user(self, username: str, *, keep: str | None = None, actor: str | None = None) -> int:
        """Log ``username`` out everywhere except the session cookie ``keep`` names;
        how many sessions ended. (After a password reset: whoever knew the old
        password and logged in with it is out.) With ``actor``, the store audits it
        in the same transaction: an admin ending a compromised account's sessions."""
        kept = None if keep is None else self._verified_id(keep)
        return self._store.end_login_sessions(username, keep=kept, actor=actor)
