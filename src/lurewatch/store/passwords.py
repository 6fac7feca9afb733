"""Password hashes (argon2id) and API tokens (stored as SHA-256, never in clear)."""

from __future__ import annotations

import hashlib
import secrets

from argon2 import PasswordHasher

TOKEN_PREFIX = "lw_"


def default_hasher() -> PasswordHasher:
    """argon2id with argon2-cffi's defaults (RFC 9106 low-memory profile)."""
    return PasswordHasher()


def new_token() -> str:
    """A fresh API token: 256 random bits, URL-safe, recognisable by its ``lw_`` prefix."""
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def token_sha256(token: str) -> str:
    """What is stored of a token. Tokens are random, so a fast unsalted hash is enough."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()
