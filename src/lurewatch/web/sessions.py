"""People's sessions: a random id kept by the server, sent to the browser as a signed cookie.

The cookie carries only the session id and its HMAC-SHA256 under a key
derived from ``LUREWATCH_SECRET_KEY``; who is logged in, and since when,
stays on the server. Sessions live in this process's memory: a restart logs
everyone out (machines use API tokens, which are in the database), and the
server runs as one process.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace

from lurewatch.settings import Settings

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


@dataclass(frozen=True, slots=True)
class Session:
    username: str
    created_at: dt.datetime
    last_seen: dt.datetime


class SessionStore:
    """Logged-in sessions of this process, expiring when idle and after a fixed lifetime.

    Thread-safe: request handlers run in a thread pool.
    """

    def __init__(
        self,
        key: bytes,
        now: Clock,
        *,
        idle: dt.timedelta = dt.timedelta(hours=2),
        lifetime: dt.timedelta = dt.timedelta(hours=12),
        max_sessions: int = 50_000,
    ) -> None:
        self._key = key
        self._now = now
        self._idle = idle
        self._lifetime = lifetime
        self._max = max_sessions
        self._sessions: dict[str, Session] = {}
        self._lock = threading.Lock()

    @property
    def lifetime(self) -> dt.timedelta:
        return self._lifetime

    def _sign(self, session_id: str) -> str:
        mac = hmac.new(self._key, session_id.encode("ascii"), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(mac).rstrip(b"=").decode("ascii")

    def _expired(self, session: Session, now: dt.datetime) -> bool:
        return now - session.last_seen > self._idle or now - session.created_at > self._lifetime

    def create(self, username: str) -> str:
        """Start a session; the cookie value to send (``<id>.<signature>``)."""
        session_id = secrets.token_urlsafe(32)
        now = self._now()
        with self._lock:
            if len(self._sessions) >= self._max:
                self._prune(now)
            if len(self._sessions) >= self._max:  # still full: the oldest goes
                oldest = min(self._sessions, key=lambda k: self._sessions[k].last_seen)
                del self._sessions[oldest]
            self._sessions[session_id] = Session(username=username, created_at=now, last_seen=now)
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

    def resolve(self, cookie: str) -> Session | None:
        """The live session a cookie names (and mark it used), or None."""
        session_id = self._verified_id(cookie)
        if session_id is None:
            return None
        now = self._now()
        with self._lock:
            session = self._sessions.get(session_id)
            if session is None:
                return None
            if self._expired(session, now):
                del self._sessions[session_id]
                return None
            session = replace(session, last_seen=now)
            self._sessions[session_id] = session
            return session

    def end(self, cookie: str) -> None:
        """Log the session out (nothing happens for an unknown or forged cookie)."""
        session_id = self._verified_id(cookie)
        if session_id is not None:
            with self._lock:
                self._sessions.pop(session_id, None)

    def end_user(self, username: str, *, keep: str | None = None) -> int:
        """Log ``username`` out everywhere except the session cookie ``keep`` names;
        how many sessions ended. (After a password reset: whoever knew the old
        password and logged in with it is out.)"""
        kept = None if keep is None else self._verified_id(keep)
        with self._lock:
            ending = [k for k, s in self._sessions.items() if s.username == username and k != kept]
            for key in ending:
                del self._sessions[key]
        return len(ending)

    def _prune(self, now: dt.datetime) -> None:
        for key in [k for k, s in self._sessions.items() if self._expired(s, now)]:
            del self._sessions[key]
