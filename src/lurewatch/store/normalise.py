"""Keys under which the store files counterparties and indicators."""

from __future__ import annotations

import hashlib

from lurewatch.identity import counterparty_key, norm_name
from lurewatch.matching.identifiers import normalise as normalise_identifier
from lurewatch.store.schema import KEY_CHARS


def cap(key: str) -> str:
    """``key`` cut to fit its indexed column, keeping distinct long keys distinct."""
    if len(key) <= KEY_CHARS:
        return key
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]
    return key[: KEY_CHARS - 17] + "#" + digest


def contact_key(name: str, profile_url: str | None) -> str | None:
    """The counterparty key (canonical profile URL, else normalised name); None if neither."""
    key = counterparty_key(profile_url or "", name)
    return None if key == "name:" else cap(key)


def indicator_key(kind: str, value: str) -> str:
    """An indicator value in the form lookups compare: canonical identifier, else folded text."""
    return cap(normalise_identifier(kind, value) or norm_name(value))
