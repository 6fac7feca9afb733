"""The institution key, and the keyed hashes made with it.

A key file holds at least 32 random bytes written as hexadecimal digits (64 or
more); blank lines and lines starting with ``#`` are ignored, so a file can say
what it is for. ``lurewatch key new FILE`` writes one. Every hash is
HMAC-SHA256 under that key of ``kind + NUL + value``: the kind separates the
domains, so the hash of a profile address can never equal the hash of a name
or a handle, even when the two strings are the same.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import string
from dataclasses import dataclass, field
from pathlib import Path

from lurewatch.ingest.errors import InputError

MIN_KEY_BYTES = 32
MAX_KEY_FILE_BYTES = 4096
# The label whose keyed hash names the key: the office can tell which key a file
# was made with (and refuse a stale one) without the file revealing the key.
KEY_ID_LABEL = "lurewatch key id/1"
HASH_KINDS = ("url", "name-company", "handle", "phone", "email")


@dataclass(frozen=True)
class InstitutionKey:
    """A secret of the institution. ``repr`` never shows it."""

    secret: bytes = field(repr=False)

    def __post_init__(self) -> None:
        if len(self.secret) < MIN_KEY_BYTES:
            raise ValueError(
                f"the key has {len(self.secret)} bytes; at least {MIN_KEY_BYTES} are needed"
            )

    @property
    def key_id(self) -> str:
        """16 hex digits naming this key; they reveal nothing of it."""
        return hmac.new(self.secret, KEY_ID_LABEL.encode(), hashlib.sha256).hexdigest()[:16]

    def hash(self, kind: str, value: str) -> str:
        """The keyed hash (64 hex digits) of a normalised ``value`` of ``kind``."""
        if kind not in HASH_KINDS:
            raise ValueError(f"unknown identifier kind {kind!r}")
        msg = kind.encode() + b"\0" + value.encode("utf-8")
        return hmac.new(self.secret, msg, hashlib.sha256).hexdigest()


def new_key_text() -> str:
    """The contents of a fresh key file: 32 random bytes from the operating system."""
    return (
        "# lurewatch institution key (HMAC-SHA256). Keep it secret; "
        "see docs/sharing.md.\n" + secrets.token_hex(MIN_KEY_BYTES) + "\n"
    )


def parse_key(text: str, source: str = "key") -> InstitutionKey:
    """Read a key file's text; raises :class:`InputError` naming ``source``."""
    lines = [ln.strip() for ln in text.splitlines()]
    digits = "".join("".join(ln.split()) for ln in lines if ln and not ln.startswith("#"))
    if not digits:
        raise InputError(f"{source}: no key in the file (expected 64 or more hex digits)")
    if any(c not in string.hexdigits for c in digits) or len(digits) % 2:
        raise InputError(
            f"{source}: not a key: expected hexadecimal digits (make one with 'lurewatch key new')"
        )
    secret = bytes.fromhex(digits)
    if len(secret) < MIN_KEY_BYTES:
        raise InputError(
            f"{source}: the key is too short ({len(secret)} bytes; at least {MIN_KEY_BYTES} "
            "random bytes, 64 hex digits, are needed)"
        )
    return InstitutionKey(secret)


def load_key(path: str | Path) -> InstitutionKey:
    """Read a key file (at most 4 KB)."""
    p = Path(path)
    try:
        with p.open("rb") as fh:
            raw = fh.read(MAX_KEY_FILE_BYTES + 1)
    except OSError as exc:
        raise InputError(f"{p}: cannot read the key ({exc.strerror or exc})") from exc
    if len(raw) > MAX_KEY_FILE_BYTES:
        raise InputError(f"{p}: too large for a key file (over {MAX_KEY_FILE_BYTES} bytes)")
    try:
        text = raw.decode("ascii")
    except UnicodeDecodeError as exc:
        raise InputError(f"{p}: not a key: expected hexadecimal digits") from exc
    return parse_key(text, str(p))
