"""Canonical forms of the identifiers that tie items to one counterparty."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from urllib.parse import unquote, urlsplit

_SPACES = re.compile(r"\s+")


@lru_cache(maxsize=65_536)  # an export repeats the same few thousand URLs many times
def canon_profile_url(url: str) -> str | None:
    """``https://uk.linkedin.com/in/Jane-Doe-12/?trk=x`` -> ``linkedin.com/in/jane-doe-12``.

    Country sub-domains, scheme, ``www``, trailing slashes, queries and
    fragments are dropped; the path is percent-decoded and case-folded.
    Returns None for an empty or unusable value.
    """
    u = url.strip()
    if not u:
        return None
    if "://" not in u:
        u = "https://" + u
    try:
        parts = urlsplit(u)
    except ValueError:
        return None
    host = (parts.hostname or "").casefold()
    if not host:
        return None
    if host == "linkedin.com" or host.endswith(".linkedin.com"):
        host = "linkedin.com"
    elif host.startswith("www."):
        host = host[4:]
    path = unquote(parts.path).casefold().rstrip("/")
    path = re.sub(r"/{2,}", "/", path)
    return host + path if path else host


@lru_cache(maxsize=65_536)
def norm_name(name: str) -> str:
    """A display name folded for grouping: case, accents, spacing and punctuation."""
    n = unicodedata.normalize("NFKD", name)
    n = "".join(c for c in n if not unicodedata.combining(c)).casefold()
    n = re.sub(r"[^\w\s]", " ", n)
    return _SPACES.sub(" ", n).strip()


@lru_cache(maxsize=65_536)  # called for every item: the same people write many times
def counterparty_key(url: str, name: str) -> str:
    """The grouping key: the canonical profile URL, else the normalised name."""
    canon = canon_profile_url(url)
    if canon:
        return "url:" + canon
    return "name:" + norm_name(name)
